"""Mistake: self.alpha = torch.tensor(alpha), a plain attribute instead of a buffer.

.to(device) moves parameters and buffers only: on a GPU the loss then mixes a CPU alpha
with CUDA logits, and state_dict() does not hold it.
"""

import torch
from torch import nn

from torchkatas.harness import solution_for

CAUGHT_BY = "use self.register_buffer('alpha'"
REJECTED_BY = "test_alpha_is_a_buffer_that_moves_with_the_module"

solution = solution_for(__file__)


class FocalLoss(solution.FocalLoss):
    def __init__(self, gamma=2.0, alpha=None, reduction="mean", ignore_index=-100):
        nn.Module.__init__(self)
        if reduction not in ("none", "mean", "sum"):
            raise ValueError("bad reduction")
        if gamma < 0:
            raise ValueError("gamma must be >= 0")
        if alpha is not None:
            alpha = torch.as_tensor(alpha, dtype=torch.float32).clone()
            if alpha.dim() != 1 or bool((alpha < 0).any()):
                raise ValueError("bad alpha")
        self.gamma, self.reduction, self.ignore_index = float(gamma), reduction, ignore_index
        self.alpha = alpha
