"""Mistake: the batch's output is handed back with the requests in the wrong order.

Every row is computed, but callers receive rows that belong to other callers: the worst
serving bug, since every answer looks plausible.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "another caller's rows"
REJECTED_BY = "test_waiting_requests_run_as_one_batch_and_each_gets_its_own_rows"

solution = solution_for(__file__)


class DynamicBatcher(solution.DynamicBatcher):
    def _loop(self):
        while (batch := self._take_batch()) is not None:
            sizes = [len(p.features) for p in batch]
            self.batch_sizes.append(sum(sizes))
            try:
                out = self.run_batch(torch.cat([p.features for p in batch]))
                parts = out.split(sizes)
                for pending, part in zip(batch, reversed(parts), strict=True):
                    pending.result = part
            except Exception as err:
                for pending in batch:
                    pending.error = err
            for pending in batch:
                pending.done.set()
