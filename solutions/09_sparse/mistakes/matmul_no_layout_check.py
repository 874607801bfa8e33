"""Mistake: no check that a is sparse.

torch.sparse.mm also multiplies two dense matrices, so a dense a is quietly accepted; the
docstring promises ValueError.
"""

import torch

CAUGHT_BY = "but it returned"
REJECTED_BY = "test_sparse_matmul_rejects_a_dense_a"


def sparse_matmul(a, b):
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        raise ValueError("inner sizes differ")
    return torch.sparse.mm(a, b)
