"""Mistake: any non-bool dtype treated as floating: an integer mask comes back silently.

torch.zeros(..., dtype=torch.int64).masked_fill(..., -inf) raises or gives nonsense; the
docstring asks for a TypeError that says which dtypes work.
"""

import torch

CAUGHT_BY = "expected TypeError"
REJECTED_BY = "test_causal_mask_rejects_other_dtypes"


def causal_mask(size, *, dtype=torch.float32, device=None):
    blocked = torch.ones(size, size, dtype=torch.bool, device=device).triu(1)
    if dtype == torch.bool:
        return blocked
    return blocked.to(dtype) * -(10**9)
