"""Mistake: the causal mask built with triu: each query sees the future, not the past.

torch.ones(L, S).triu() keeps keys j >= i; a causal model may only look at j <= i (tril).
"""

import math

import torch

CAUGHT_BY = "causal mask of the wrong orientation"
REJECTED_BY = "test_is_causal_lets_query_i_see_keys_up_to_i"


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
        scores = scores.masked_fill(~allowed.triu(), float("-inf"))
    alive = (scores != float("-inf")).any(dim=-1, keepdim=True)
    weights = torch.softmax(scores.masked_fill(~alive, 0.0), dim=-1).masked_fill(~alive, 0.0)
    return weights @ value, weights
