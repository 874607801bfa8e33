"""Mistake: no try/except around run_batch in the worker.

The first model error kills the worker thread: that batch's callers, and every later
one, wait forever.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "hand the error to the batch's callers"
REJECTED_BY = "test_an_error_in_run_batch_reaches_its_callers_and_the_worker_goes_on"

solution = solution_for(__file__)


class DynamicBatcher(solution.DynamicBatcher):
    def _loop(self):
        while (batch := self._take_batch()) is not None:
            sizes = [len(p.features) for p in batch]
            self.batch_sizes.append(sum(sizes))
            out = self.run_batch(torch.cat([p.features for p in batch]))
            for pending, part in zip(batch, out.split(sizes), strict=True):
                pending.result = part
                pending.done.set()
