"""Mistake: zeroing tiny values of x in place (x[x.abs() < eps] = 0) before counting nonzeros.

It edits the caller's matrix, which the docstring says is not changed, and drops elements
that are nonzero: every element != 0 is stored.
"""

import torch

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_csr_leaves_x_untouched"


def csr_from_dense(x):
    if x.dim() != 2:
        raise ValueError("x must be 2-D")
    x[x.abs() < 1e-6] = 0  # "round-off is zero"
    nonzero = x != 0
    crow = torch.zeros(x.shape[0] + 1, dtype=torch.long, device=x.device)
    crow[1:] = nonzero.sum(dim=1).cumsum(dim=0)
    cols = nonzero.nonzero()[:, 1]
    return torch.sparse_csr_tensor(crow, cols, x[nonzero], size=x.shape, check_invariants=True)
