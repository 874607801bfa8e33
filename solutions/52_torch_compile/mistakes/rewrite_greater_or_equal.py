"""Mistake: y.sum() >= 0 as the condition.

The planted function doubles only when the sum is > 0; a sum of exactly 0 (all-zero
scores) takes the else branch.
"""

import torch

CAUGHT_BY = "(> 0, not >= 0)"
REJECTED_BY = "test_normalize_scores_equals_the_planted_function"


def normalize_scores(x):
    scale = x.abs().amax()
    y = x / (scale + 1e-6)
    y = torch.where(y.sum() >= 0, y * 2, y - 1)
    return y + torch.where(y > 0, y, torch.zeros_like(y)).sum()
