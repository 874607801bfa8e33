"""Mistake: t.untyped_storage().nbytes() for a strided tensor.

A view (a slice, an expand) shares a storage bigger or smaller than its own elements; the
docstring counts numel * element_size, the elements t holds.
"""

import torch

CAUGHT_BY = "counted the whole storage"
REJECTED_BY = "test_storage_bytes_of_a_strided_view_counts_its_elements"


def storage_bytes(t):
    if t.layout == torch.strided:
        return t.untyped_storage().nbytes()
    if t.layout == torch.sparse_coo:
        parts = [t._indices(), t._values()]
    elif t.layout == torch.sparse_csr:
        parts = [t.crow_indices(), t.col_indices(), t.values()]
    else:
        raise ValueError(f"unsupported layout {t.layout}")
    return sum(p.numel() * p.element_size() for p in parts)
