"""Mistake: 'mean' as sum / max(numel, 1), "to avoid dividing by zero".

torch's mean of no elements is NaN (0 / 0): an empty batch is a bug upstream, and a loss of
0 hides it, where NaN shows it.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the mean of no elements is NaN"
REJECTED_BY = "test_mse_loss_of_empty_and_float32_inputs"

solution = solution_for(__file__)


def mse_loss(pred, target, reduction="mean"):
    solution._check_reduction(reduction)
    sq = (pred - target) ** 2
    if reduction == "mean":
        return sq.sum() / max(sq.numel(), 1)
    return solution._reduce(sq, reduction)
