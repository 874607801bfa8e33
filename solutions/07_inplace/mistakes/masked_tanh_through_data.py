"""Mistake: masked_tanh() dodges the error with h.data[mask] = 0.

Autograd no longer sees the write, so backward uses the modified output: at masked
positions tanh's derivative 1 - h**2 becomes 1 instead of the gradient being 0. No error,
silently wrong gradients.
"""

import torch

CAUGHT_BY = "silently wrong"
REJECTED_BY = "test_masked_tanh_backward_works_and_matches"


def masked_tanh(x, mask):
    h = torch.tanh(x)
    h.data[mask] = 0
    return h
