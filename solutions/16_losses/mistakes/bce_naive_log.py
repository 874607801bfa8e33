"""Mistake: bce written straight from the formula, -(t log p + (1 - t) log(1 - p)), no clamp.

At p = 0 or 1 the log is -inf: the loss is inf (or NaN, 0 * -inf, where the target weight is
0). torch clamps each log term at -100, so a confident mistake costs 100, not inf.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "clamps each log term at -100 before weighting it"
REJECTED_BY = "test_bce_is_finite_at_probabilities_exactly_0_and_1"
solution = solution_for(__file__)


def bce(probs, target, reduction="mean"):
    solution._check_reduction(reduction)
    if bool(((probs < 0) | (probs > 1)).any()):
        raise ValueError("probabilities must lie in [0, 1]")
    loss = -(target * torch.log(probs) + (1 - target) * torch.log(1 - probs))
    return solution._reduce(loss, reduction)
