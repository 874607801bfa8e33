"""Mistake: dot() writes 'i,j->', a different letter for each vector.

Two letters that appear in no output are both summed: every a_i times every b_j, which is
sum(a) * sum(b), not the inner product. One shared letter ('k,k->') pairs a_k with b_k.
"""

import torch

CAUGHT_BY = "sum the outer product"
REJECTED_BY = "test_dot_equals_torch_dot"


def dot(a, b):
    return torch.einsum("i,j->", a, b)
