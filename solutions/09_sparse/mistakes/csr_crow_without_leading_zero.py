"""Mistake: crow_indices as the cumsum of per-row counts, without the leading 0.

CSR needs R + 1 row pointers: row i's entries are crow[i]:crow[i + 1], so crow[0] is 0.
"""

import torch

CAUGHT_BY = "crow_indices"
REJECTED_BY = "test_csr_components_match_torch"


def csr_from_dense(x):
    if x.dim() != 2:
        raise ValueError("x must be 2-D")
    nonzero = x != 0
    crow = nonzero.sum(dim=1).cumsum(dim=0)
    cols = nonzero.nonzero()[:, 1]
    return torch.sparse_csr_tensor(crow, cols, x[nonzero], size=x.shape, check_invariants=True)
