"""Mistake: the batch waits until it holds max_batch_size rows; max_wait_s is ignored.

Under light traffic a request can wait forever for company that never comes.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the window must close"
REJECTED_BY = "test_waiting_requests_run_as_one_batch_and_each_gets_its_own_rows"

solution = solution_for(__file__)


class DynamicBatcher(solution.DynamicBatcher):
    def _take_batch(self):
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            batch = [self._queue.popleft()]
            rows = len(batch[0].features)
            while not self._closed:
                while self._queue and rows + len(self._queue[0].features) <= self.max_batch_size:
                    rows += len(self._queue[0].features)
                    batch.append(self._queue.popleft())
                if rows >= self.max_batch_size or self._queue:
                    break
                self._cond.wait()
            return batch
