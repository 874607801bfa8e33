"""Mistake: finding the nonzeros as x.abs() > 0.

Right for numbers, but x may be of any dtype: abs is not defined for bool tensors, so a
bool matrix fails. x != 0 works for every dtype.
"""

import torch

CAUGHT_BY = "not implemented for 'Bool'"
REJECTED_BY = "test_csr_keeps_integer_and_bool_dtypes"


def csr_from_dense(x):
    if x.dim() != 2:
        raise ValueError("x must be 2-D")
    nonzero = x.abs() > 0
    crow = torch.zeros(x.shape[0] + 1, dtype=torch.long, device=x.device)
    crow[1:] = nonzero.sum(dim=1).cumsum(dim=0)
    cols = nonzero.nonzero()[:, 1]
    return torch.sparse_csr_tensor(crow, cols, x[nonzero], size=x.shape, check_invariants=True)
