"""Mistake: masked_tanh() zeroes the input first, x[mask] = 0, then returns tanh(x).

tanh(0) = 0, so the values look right and tanh's saved output is untouched, but the write
goes into the caller's x (and raises for an x that requires grad, a leaf).
"""

import torch

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_masked_tanh_leaves_inputs_alone_and_keeps_dtype"


def masked_tanh(x, mask):
    x[mask] = 0
    return torch.tanh(x)
