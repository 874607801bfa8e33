"""Mistake: 'mean' MSE that sums the squared error over features, then averages over the batch.

torch's mean is over every element; this is larger by the number of features.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "every element"
REJECTED_BY = "test_mse_loss_equals_torch"
_reduce = solution_for(__file__)._reduce


def mse_loss(pred, target, reduction="mean"):
    sq = (pred - target) ** 2
    if reduction == "mean" and sq.dim() > 1:
        return sq.sum(dim=-1).mean()
    return _reduce(sq, reduction)
