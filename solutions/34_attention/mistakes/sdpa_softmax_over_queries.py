"""Mistake: the softmax over the query axis (dim=-2) instead of the key axis.

Each query's weights over the keys must sum to 1; with dim=-2 each key's weights over the
queries do, and every output mixes the values wrongly.
"""

import math

import torch

CAUGHT_BY = "softmax over the query axis"
REJECTED_BY = "test_output_matches_torch_sdpa"


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    scale = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    weights = torch.softmax(scores, dim=-2)
    return weights @ value, weights
