"""Mistake: sigmoid as 1 / (1 + exp(-x)), straight from the definition.

The values survive (1 / inf is 0), but the backward pass at x = -1000 is 0 * inf = NaN.
"""

import torch

CAUGHT_BY = "1 / (1 + exp(-x)) as written"
REJECTED_BY = "test_sigmoid_finite_for_extreme_inputs"


def sigmoid(x):
    return 1 / (1 + torch.exp(-x))
