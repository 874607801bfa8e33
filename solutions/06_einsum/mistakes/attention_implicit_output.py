"""Mistake: attention_scores() leaves out '->': torch.einsum('bhtd,bhsd', q, k).

In implicit mode the output holds only the letters that appear once, in alphabetical order:
b and h appear in both operands, so they are summed away, and the result is (S, T).
"""

import math

import torch

CAUGHT_BY = "in implicit mode einsum keeps only the letters that appear once"
REJECTED_BY = "test_attention_scores_equal_scaled_matmul"


def attention_scores(q, k):
    return torch.einsum("bhtd,bhsd", q, k) / math.sqrt(q.shape[-1])
