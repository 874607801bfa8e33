"""Mistake: attention_scores() forgets the 1 / sqrt(D) scaling."""

import torch

CAUGHT_BY = "division by sqrt(D) is missing"
REJECTED_BY = "test_attention_scores_equal_scaled_matmul"


def attention_scores(q, k):
    return torch.einsum("bhtd,bhsd->bhts", q, k)
