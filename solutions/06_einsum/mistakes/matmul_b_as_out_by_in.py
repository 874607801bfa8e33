"""Mistake: matmul() writes 'ik,jk->ij', reading b as (J, K) like nn.Linear's weight.

b is (K, J): its first axis is the one shared with a. einsum refuses the operands when the
sizes disagree ("subscript k has size ..."), and computes a @ b.T when they happen to fit.
"""

import torch

CAUGHT_BY = "do not match the operands' shapes"
REJECTED_BY = "test_matmul_equals_explicit_matmul"


def matmul(a, b):
    return torch.einsum("ik,jk->ij", a, b)
