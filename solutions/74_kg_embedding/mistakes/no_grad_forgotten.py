"""Mistake: weight.div_(norms) on the Parameter without torch.no_grad().

An in-place change of a leaf that requires grad is refused by autograd (it would corrupt
the graph): the renormalisation raises instead of running.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "outside torch.no_grad()"
REJECTED_BY = "test_normalize_entities_makes_each_row_unit_length"

solution = solution_for(__file__)


class TransE(solution.TransE):
    def normalize_entities_(self):
        w = self.entities.weight
        w.div_(torch.linalg.vector_norm(w, dim=1, keepdim=True).clamp_min(1e-12))
