"""Mistake: torch.where(y > 0, y * 2, y - 1), choosing the branch entry by entry.

The planted function takes one branch for the whole tensor, from the sign of its sum.
"""

import torch

CAUGHT_BY = "the WHOLE tensor's sum"
REJECTED_BY = "test_normalize_scores_equals_the_planted_function"


def normalize_scores(x):
    scale = x.abs().amax()
    y = x / (scale + 1e-6)
    y = torch.where(y > 0, y * 2, y - 1)
    return y + torch.where(y > 0, y, torch.zeros_like(y)).sum()
