"""Mistake: relu as torch.maximum(x, torch.zeros_like(x)).

Right values, but maximum splits the gradient of a tie: 0.5 at x = 0, where torch.relu
gives 0.
"""

import torch

CAUGHT_BY = "gradient at exactly 0"
REJECTED_BY = "test_relu_for_extreme_inputs"


def relu(x):
    return torch.maximum(x, torch.zeros_like(x))
