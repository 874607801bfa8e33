"""Mistake: 8 bytes per index, hard-coded from the README's "2 * 8 + 4".

COO indices are int64, but CSR's crow_indices and col_indices may be int32 (4 bytes each):
use each component's element_size().
"""

import torch

CAUGHT_BY = "assumed int64 indices"
REJECTED_BY = "test_storage_bytes_counts_int32_csr_indices"


def storage_bytes(t):
    if t.layout == torch.strided:
        return t.numel() * t.element_size()
    if t.layout == torch.sparse_coo:
        return t._nnz() * (2 * 8 + t.element_size())
    if t.layout == torch.sparse_csr:
        nnz = t.values().numel()
        return (t.shape[0] + 1) * 8 + nnz * (8 + t.element_size())
    raise ValueError(f"unsupported layout {t.layout}")
