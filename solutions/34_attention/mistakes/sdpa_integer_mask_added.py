"""Mistake: any non-bool mask is added to the scores, an integer 0/1 mask included.

A 0/1 "keep" mask added to the scores barely changes them: the keys it should hide still
take part. The docstring asks for a TypeError instead.
"""

import math

import torch

CAUGHT_BY = "expected TypeError"
REJECTED_BY = "test_integer_mask_raises_type_error"


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    scale = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    if is_causal:
        allowed = torch.ones(query.size(-2), key.size(-2), dtype=torch.bool, device=query.device)
        scores = scores.masked_fill(~allowed.tril(), float("-inf"))
    alive = (scores != float("-inf")).any(dim=-1, keepdim=True)
    weights = torch.softmax(scores.masked_fill(~alive, 0.0), dim=-1).masked_fill(~alive, 0.0)
    return weights @ value, weights
