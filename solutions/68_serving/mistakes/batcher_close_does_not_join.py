"""Mistake: close() marks the batcher closed but neither fails waiting requests nor joins.

Waiting callers are never answered, and the worker thread outlives the server.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "close() must"
REJECTED_BY = "test_waiting_requests_run_as_one_batch_and_each_gets_its_own_rows"

solution = solution_for(__file__)


class DynamicBatcher(solution.DynamicBatcher):
    def close(self):
        with self._cond:
            self._closed = True
            self._cond.notify_all()
