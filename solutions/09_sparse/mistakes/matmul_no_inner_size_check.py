"""Mistake: leaving the inner-size check to torch.

torch.sparse.mm raises RuntimeError for (R, K) @ (K', N); the docstring promises ValueError.
"""

import torch

CAUGHT_BY = "but got RuntimeError"
REJECTED_BY = "test_sparse_matmul_rejects_mismatched_inner_sizes"


def sparse_matmul(a, b):
    if a.layout not in (torch.sparse_coo, torch.sparse_csr):
        raise ValueError("a must be sparse")
    return torch.sparse.mm(a, b)
