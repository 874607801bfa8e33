"""Mistake: t.coalesce() before counting a COO tensor, to be allowed to call t.indices().

An uncoalesced tensor stores every duplicate entry; coalescing first counts a smaller,
different tensor than the one t is.
"""

import torch

CAUGHT_BY = "coalesced t before counting"
REJECTED_BY = "test_storage_bytes_counts_an_uncoalesced_coo_as_stored"


def storage_bytes(t):
    if t.layout == torch.strided:
        parts = [t]
    elif t.layout == torch.sparse_coo:
        t = t.coalesce()
        parts = [t.indices(), t.values()]
    elif t.layout == torch.sparse_csr:
        parts = [t.crow_indices(), t.col_indices(), t.values()]
    else:
        raise ValueError(f"unsupported layout {t.layout}")
    return sum(p.numel() * p.element_size() for p in parts)
