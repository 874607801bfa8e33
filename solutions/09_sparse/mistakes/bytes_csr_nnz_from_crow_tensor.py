"""Mistake: reading a CSR's nnz as crow_indices()[-1] and returning the product, a 0-d tensor.

The docstring promises an int; a 0-d tensor compares and prints like one but is not.
"""

import torch

CAUGHT_BY = "not an int"
REJECTED_BY = "test_storage_bytes_counts_every_component"


def storage_bytes(t):
    if t.layout == torch.strided:
        return t.numel() * t.element_size()
    if t.layout == torch.sparse_coo:
        return sum(p.numel() * p.element_size() for p in (t._indices(), t._values()))
    if t.layout == torch.sparse_csr:
        crow = t.crow_indices()
        nnz = crow[-1]  # a 0-d tensor
        return crow.numel() * crow.element_size() + nnz * (
            t.col_indices().element_size() + t.element_size()
        )
    raise ValueError(f"unsupported layout {t.layout}")
