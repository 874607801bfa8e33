"""Mistake: filled_like() returns torch.ones_like(t) * value.

Shape and device follow t, but an integer tensor times a Python float is promoted to
float32: the result loses t's dtype (and 2.7 stays 2.7 instead of 2).
"""

import torch

CAUGHT_BY = "torch.ones_like(t) * value"
REJECTED_BY = "test_filled_like_keeps_dtype_and_device"


def filled_like(t, value):
    return torch.ones_like(t) * value
