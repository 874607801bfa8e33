"""Mistake: a.to_dense() @ b for the sparse product.

The numbers are right, but the dense copy costs R * K memory and time: the point of a
sparse layout is a kernel that touches only the stored entries (torch.sparse.mm).
"""

import torch

CAUGHT_BY = "must not densify"
REJECTED_BY = "test_sparse_matmul_equals_dense_matmul"


def sparse_matmul(a, b):
    if a.layout == torch.strided:
        raise ValueError("a must be sparse")
    if a.shape[1] != b.shape[0]:
        raise ValueError("inner sizes differ")
    return a.to_dense() @ b
