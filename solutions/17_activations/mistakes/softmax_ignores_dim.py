"""Mistake: softmax that always normalises the last dimension, whatever dim says.

Right for 2-d logits with dim=-1, wrong for attention scores normalised along another axis.
"""

import torch

CAUGHT_BY = "different dim"
REJECTED_BY = "test_softmax_along_any_dim"


def softmax(x, dim=-1):
    e = torch.exp(x - x.amax(dim=-1, keepdim=True))
    return e / e.sum(dim=-1, keepdim=True)
