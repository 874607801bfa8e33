"""Mistake: a hand-written COO kernel reading a.indices() and a.values().

Those accessors refuse an uncoalesced tensor (RuntimeError), and a COO a need not be
coalesced: torch.sparse.mm, or a.coalesce() first, handles it.
"""

import torch

CAUGHT_BY = "refuse an uncoalesced"
REJECTED_BY = "test_sparse_matmul_takes_uncoalesced_coo_and_leaves_inputs_untouched"


def sparse_matmul(a, b):
    if a.layout not in (torch.sparse_coo, torch.sparse_csr):
        raise ValueError("a must be sparse")
    if a.dim() != 2 or b.dim() != 2 or a.shape[1] != b.shape[0]:
        raise ValueError("inner sizes differ")
    if a.layout == torch.sparse_csr:
        return torch.sparse.mm(a, b)
    rows, cols = a.indices()
    out = torch.zeros(a.shape[0], b.shape[1], dtype=b.dtype, device=b.device)
    return out.index_add_(0, rows, a.values()[:, None] * b[cols])
