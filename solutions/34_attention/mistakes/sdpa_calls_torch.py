"""Mistake: calls F.scaled_dot_product_attention for the output instead of writing it.

The kata asks for the computation itself; torch's function does not return the weights,
so they are computed by hand anyway.
"""

import math

import torch
import torch.nn.functional as F

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_output_matches_torch_sdpa"


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    out = F.scaled_dot_product_attention(
        query, key, value, attn_mask=attn_mask, is_causal=is_causal, scale=scale
    )
    scale = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    weights = torch.softmax(query @ key.transpose(-2, -1) * scale, dim=-1)
    return out, weights
