"""Mistake: no care for a query whose keys are all masked: softmax of all -inf is NaN.

One fully padded row then turns the output, the loss and every gradient into NaN.
"""

import math

import torch

CAUGHT_BY = "fully masked"
REJECTED_BY = "test_a_query_with_no_key_gets_zeros_not_nan"


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
    weights = torch.softmax(scores, dim=-1)
    return weights @ value, weights
