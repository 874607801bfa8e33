"""Mistake: every waiting request joins the batch, however many rows that makes.

max_batch_size is what keeps a batch within the model's memory and latency budget.
"""

import time

from torchkatas.harness import solution_for

CAUGHT_BY = "max_batch_size not respected"
REJECTED_BY = "test_a_batch_holds_at_most_max_batch_size_rows"

solution = solution_for(__file__)


class DynamicBatcher(solution.DynamicBatcher):
    def _take_batch(self):
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            batch = []
            deadline = time.monotonic() + self.max_wait_s
            while True:
                while self._queue:
                    batch.append(self._queue.popleft())
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self._closed:
                    return batch
                self._cond.wait(remaining)
