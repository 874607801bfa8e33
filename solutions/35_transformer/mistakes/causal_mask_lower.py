"""Mistake: the causal mask built with tril: -inf below the diagonal.

That blocks the past and lets every position see the future: the wrong orientation.
"""

import torch

CAUGHT_BY = "wrong orientation"
REJECTED_BY = "test_causal_mask_blocks_the_future"


def causal_mask(size, *, dtype=torch.float32, device=None):
    blocked = torch.ones(size, size, dtype=torch.bool, device=device).tril(-1)
    if dtype == torch.bool:
        return blocked
    if not dtype.is_floating_point:
        raise TypeError(f"dtype must be bool or floating, got {dtype}")
    return torch.zeros(size, size, dtype=dtype, device=device).masked_fill(blocked, float("-inf"))
