"""Mistake: bce that clamps the total loss at 100 instead of each log term at -100.

Too late: at p = 0 with target 0, 0 * log(0) = 0 * -inf is already NaN, and a soft target
at p = 0 gives min(inf, 100) = 100 where torch gives 100 * t.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "clamping the total loss is too late"
REJECTED_BY = "test_bce_is_finite_at_probabilities_exactly_0_and_1"
solution = solution_for(__file__)


def bce(probs, target, reduction="mean"):
    solution._check_reduction(reduction)
    if bool(((probs < 0) | (probs > 1)).any()):
        raise ValueError("probabilities must lie in [0, 1]")
    loss = -(target * torch.log(probs) + (1 - target) * torch.log1p(-probs))
    return solution._reduce(loss.clamp(max=100), reduction)
