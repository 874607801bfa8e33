"""Mistake: counting only the stored values of a sparse tensor.

The indices are stored too, as int64: two per value for COO, one per value plus R + 1 row
pointers for CSR. They usually cost more than the values themselves.
"""

import torch

CAUGHT_BY = "forgot the indices"
REJECTED_BY = "test_storage_bytes_counts_every_component"


def storage_bytes(t):
    if t.layout == torch.strided:
        return t.numel() * t.element_size()
    if t.layout in (torch.sparse_coo, torch.sparse_csr):
        values = t._values() if t.layout == torch.sparse_coo else t.values()
        return values.numel() * values.element_size()
    raise ValueError(f"unsupported layout {t.layout}")
