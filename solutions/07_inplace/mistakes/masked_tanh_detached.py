"""Mistake: masked_tanh() detaches tanh's output before masking it in place.

The in-place error is gone, and so is the graph: no gradient reaches x.
"""

import torch

CAUGHT_BY = "no autograd graph"
REJECTED_BY = "test_masked_tanh_backward_works_and_matches"


def masked_tanh(x, mask):
    h = torch.tanh(x).detach()
    h[mask] = 0
    return h
