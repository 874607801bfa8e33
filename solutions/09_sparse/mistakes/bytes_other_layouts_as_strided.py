"""Mistake: an else branch that counts every layout other than COO and CSR as strided.

A CSC or BSR tensor then gets a made-up size (its dense numel) instead of the ValueError the
docstring promises for other layouts.
"""

import torch

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_storage_bytes_rejects_other_layouts"


def storage_bytes(t):
    if t.layout == torch.sparse_coo:
        parts = [t._indices(), t._values()]
    elif t.layout == torch.sparse_csr:
        parts = [t.crow_indices(), t.col_indices(), t.values()]
    else:
        parts = [t]
    return sum(p.numel() * p.element_size() for p in parts)
