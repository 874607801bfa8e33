"""Mistake: the bool causal mask True where attention IS allowed (on and below the diagonal).

That is F.scaled_dot_product_attention's convention; nn.Transformer's bool masks are True
where attention is NOT allowed.
"""

import torch

CAUGHT_BY = "bool mask is inverted"
REJECTED_BY = "test_causal_mask_blocks_the_future"


def causal_mask(size, *, dtype=torch.float32, device=None):
    allowed = torch.ones(size, size, dtype=torch.bool, device=device).tril()
    if dtype == torch.bool:
        return allowed
    if not dtype.is_floating_point:
        raise TypeError(f"dtype must be bool or floating, got {dtype}")
    return torch.zeros(size, size, dtype=dtype, device=device).masked_fill(~allowed, float("-inf"))
