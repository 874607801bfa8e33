"""Mistake: a float causal mask of 0/1 (1 above the diagonal) instead of -inf/0.

A float mask is added to the attention scores: 1 only nudges a score up, it blocks nothing.
"""

import torch

CAUGHT_BY = "0/1 instead of -inf/0"
REJECTED_BY = "test_causal_mask_blocks_the_future"


def causal_mask(size, *, dtype=torch.float32, device=None):
    blocked = torch.ones(size, size, dtype=torch.bool, device=device).triu(1)
    if dtype == torch.bool:
        return blocked
    if not dtype.is_floating_point:
        raise TypeError(f"dtype must be bool or floating, got {dtype}")
    return blocked.to(dtype)
