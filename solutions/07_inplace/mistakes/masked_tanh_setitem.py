"""Mistake: masked_tanh() writes h[mask] = 0 into tanh's output.

tanh saves its output for backward; the in-place write makes backward raise.
"""

import torch

CAUGHT_BY = "an in-place write"
REJECTED_BY = "test_masked_tanh_backward_works_and_matches"


def masked_tanh(x, mask):
    h = torch.tanh(x)
    h[mask] = 0
    return h
