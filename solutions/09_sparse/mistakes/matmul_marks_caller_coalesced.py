"""Mistake: a._coalesced_(True) on the caller's COO tensor, to skip coalescing.

It flips a flag on the caller's tensor, which the docstring says is not changed: a later
a.indices() hands out duplicate positions as if they were unique.
"""

import torch

CAUGHT_BY = "changed the caller's a"
REJECTED_BY = "test_sparse_matmul_takes_uncoalesced_coo_and_leaves_inputs_untouched"


def sparse_matmul(a, b):
    if a.layout not in (torch.sparse_coo, torch.sparse_csr):
        raise ValueError("a must be sparse")
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        raise ValueError("inner sizes differ")
    if a.layout == torch.sparse_coo and not a.is_coalesced():
        a._coalesced_(True)
    return torch.sparse.mm(a, b)
