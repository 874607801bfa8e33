"""Mistake: adds the float mask before scaling: (q @ k^T + mask) * scale.

-inf stays -inf, so 0/-inf masks seem to work, but any finite bias (relative positions,
ALiBi) is shrunk by the scale.
"""

import math

import torch

CAUGHT_BY = "added before scaling"
REJECTED_BY = "test_float_mask_is_added_to_the_scaled_scores"


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    scale = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    scores = query @ key.transpose(-2, -1)
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    scores = scores * scale
    if is_causal:
        allowed = torch.ones(query.size(-2), key.size(-2), dtype=torch.bool, device=query.device)
        scores = scores.masked_fill(~allowed.tril(), float("-inf"))
    alive = (scores != float("-inf")).any(dim=-1, keepdim=True)
    weights = torch.softmax(scores.masked_fill(~alive, 0.0), dim=-1).masked_fill(~alive, 0.0)
    return weights @ value, weights
