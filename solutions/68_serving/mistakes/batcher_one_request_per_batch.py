"""Mistake: the worker takes one request at a time and runs it at once.

Correct answers, but no batching at all: waiting requests each pay a forward pass.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "one request per call of run_batch"
REJECTED_BY = "test_waiting_requests_run_as_one_batch_and_each_gets_its_own_rows"

solution = solution_for(__file__)


class DynamicBatcher(solution.DynamicBatcher):
    def _take_batch(self):
        with self._cond:
            while not self._queue and not self._closed:
                self._cond.wait()
            if self._closed:
                return None
            return [self._queue.popleft()]
