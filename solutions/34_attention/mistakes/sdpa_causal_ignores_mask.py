"""Mistake: with is_causal=True the attn_mask is replaced by the causal mask, not combined.

A padded, causal batch then attends to padding; both constraints must hold at once.
"""

import math

import torch

CAUGHT_BY = "a key takes part only when both allow it"
REJECTED_BY = "test_is_causal_and_attn_mask_together"


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    if is_causal:
        attn_mask = torch.ones(query.size(-2), key.size(-2), dtype=torch.bool, device=query.device)
        attn_mask = attn_mask.tril()
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
