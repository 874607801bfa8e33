"""Mistake: attention_scores() reads D as q.shape[-2], which is T (the number of queries).

The head size is q's last axis; the scale then depends on the sequence length instead.
"""

import math

import torch

CAUGHT_BY = "took the scale from the wrong axis"
REJECTED_BY = "test_attention_scores_equal_scaled_matmul"


def attention_scores(q, k):
    return torch.einsum("bhtd,bhsd->bhts", q, k) / math.sqrt(q.shape[-2])
