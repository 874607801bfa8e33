"""Mistake: no check that x is 2-D.

A 3-D or 1-D x then fails somewhere inside torch with a RuntimeError or IndexError, not the
ValueError the docstring promises.
"""

import torch

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_csr_rejects_non_matrix"


def csr_from_dense(x):
    nonzero = x != 0
    crow = torch.zeros(x.shape[0] + 1, dtype=torch.long, device=x.device)
    crow[1:] = nonzero.sum(dim=1).cumsum(dim=0)
    cols = nonzero.nonzero()[:, 1]
    return torch.sparse_csr_tensor(crow, cols, x[nonzero], size=x.shape, check_invariants=True)
