"""Mistake: sigmoid(x) for x < 0 computed as 1 - sigmoid(-x).

Stable, right to 1e-8 in absolute terms, but 1 minus a number close to 1 cancels: sigmoid(-30)
comes out 0 (float32) or with few correct digits, where torch gives 9.4e-14.
"""

import torch

CAUGHT_BY = "1 - sigmoid(-x)"
REJECTED_BY = "test_sigmoid_keeps_relative_precision_in_its_tail"


def sigmoid(x):
    z = torch.exp(torch.where(x >= 0, -x, x))  # exp(-|x|)
    positive = 1 / (1 + z)  # sigmoid(|x|)
    return torch.where(x >= 0, positive, 1 - positive)
