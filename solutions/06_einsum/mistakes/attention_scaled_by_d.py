"""Mistake: attention_scores() divides by D instead of sqrt(D).

The products are right and the shape is right; every score is sqrt(D) times too small,
which flattens the softmax that follows.
"""

import torch

CAUGHT_BY = "divided by D instead of sqrt(D)"
REJECTED_BY = "test_attention_scores_equal_scaled_matmul"


def attention_scores(q, k):
    return torch.einsum("bhtd,bhsd->bhts", q, k) / q.shape[-1]
