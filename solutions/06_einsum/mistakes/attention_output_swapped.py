"""Mistake: attention_scores() writes the output as '->bhst', keys before queries."""

import math

import torch

CAUGHT_BY = "gives the transpose"
REJECTED_BY = "test_attention_scores_equal_scaled_matmul"


def attention_scores(q, k):
    return torch.einsum("bhtd,bhsd->bhst", q, k) / math.sqrt(q.shape[-1])
