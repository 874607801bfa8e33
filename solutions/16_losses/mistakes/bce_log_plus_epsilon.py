"""Mistake: bce that keeps the logs finite with log(p + 1e-12) and log(1 - p + 1e-12).

Finite, but not torch's loss: at p = 0 a confident mistake costs -log(1e-12) = 27.6, where
torch's clamp of each log at -100 gives 100 (and nn.BCELoss users expect torch's numbers).
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "does not add an epsilon to p"
REJECTED_BY = "test_bce_is_finite_at_probabilities_exactly_0_and_1"
solution = solution_for(__file__)


def bce(probs, target, reduction="mean"):
    solution._check_reduction(reduction)
    if bool(((probs < 0) | (probs > 1)).any()):
        raise ValueError("probabilities must lie in [0, 1]")
    eps = 1e-12
    loss = -(target * torch.log(probs + eps) + (1 - target) * torch.log(1 - probs + eps))
    return solution._reduce(loss, reduction)
