"""Mistake: attention_scores() merges batch and heads with q.view(B * H, T, D) first.

The bmm habit: fine for contiguous tensors, but q and k usually arrive as transposed views
((B, T, H, D).transpose(1, 2)), where view cannot merge B and H and raises.
"""

import math

import torch

CAUGHT_BY = "a .view() of a non-contiguous input"
REJECTED_BY = "test_attention_scores_of_heads_split_by_transpose"


def attention_scores(q, k):
    b, h, t, d = q.shape
    s = k.shape[2]
    scores = torch.einsum("ntd,nsd->nts", q.view(b * h, t, d), k.view(b * h, s, d))
    return scores.view(b, h, t, s) / math.sqrt(d)
