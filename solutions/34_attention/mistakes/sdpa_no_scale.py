"""Mistake: forgets the 1/sqrt(d_k) scale: softmax(q @ k^T) @ v.

Without the scale the scores grow with the head size, the softmax saturates and its
gradients vanish; the result is not torch's attention.
"""

import torch

CAUGHT_BY = "missing the 1/sqrt(d_k) scale"
REJECTED_BY = "test_output_matches_torch_sdpa"


def scaled_dot_product_attention(query, key, value, attn_mask=None, is_causal=False, scale=None):
    scores = query @ key.transpose(-2, -1)
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    weights = torch.softmax(scores, dim=-1)
    return weights @ value, weights
