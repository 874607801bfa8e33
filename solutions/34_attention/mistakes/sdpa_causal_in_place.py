"""Mistake: combines the causal mask into the caller's attn_mask in place (attn_mask &= causal).

The right values, but the caller's mask is now causal too: the next call, or the next
layer sharing it, sees a mask it never built.
"""

import math

import torch

CAUGHT_BY = "changed the caller's attn_mask"
REJECTED_BY = "test_is_causal_and_attn_mask_together"


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    if is_causal:
        causal = torch.ones(query.size(-2), key.size(-2), dtype=torch.bool, device=query.device)
        if attn_mask is not None and attn_mask.dtype == torch.bool:
            attn_mask &= causal.tril()
        else:
            extra = torch.zeros(causal.shape, dtype=query.dtype, device=query.device)
            extra = extra.masked_fill(~causal.tril(), float("-inf"))
            attn_mask = extra if attn_mask is None else attn_mask + extra
    scale = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    alive = (scores != float("-inf")).any(dim=-1, keepdim=True)
    weights = torch.softmax(scores.masked_fill(~alive, 0.0), dim=-1).masked_fill(~alive, 0.0)
    return weights @ value, weights
