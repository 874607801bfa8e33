"""Mistake: masked_fill(attn_mask, -inf): a bool True taken to mean "ignore".

That is nn.MultiheadAttention's convention; F.scaled_dot_product_attention's (and this
function's) bool True means the key takes part, so the wrong keys are hidden.
"""

import math

import torch

CAUGHT_BY = "bool mask inverted"
REJECTED_BY = "test_bool_mask_true_means_takes_part"


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    if attn_mask is not None and attn_mask.dtype == torch.bool:
        attn_mask = torch.zeros(
            attn_mask.shape, dtype=query.dtype, device=query.device
        ).masked_fill(attn_mask, float("-inf"))
    scale = 1 / math.sqrt(query.size(-1)) if scale is None else scale
    scores = query @ key.transpose(-2, -1) * scale
    if attn_mask is not None:
        scores = scores + attn_mask
    if is_causal:
        allowed = torch.ones(query.size(-2), key.size(-2), dtype=torch.bool, device=query.device)
        scores = scores.masked_fill(~allowed.tril(), float("-inf"))
    alive = (scores != float("-inf")).any(dim=-1, keepdim=True)
    weights = torch.softmax(scores.masked_fill(~alive, 0.0), dim=-1).masked_fill(~alive, 0.0)
    return weights @ value, weights
