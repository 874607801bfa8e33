"""Mistake: storage_bytes as t.numel() * t.element_size() for every layout.

A sparse tensor's numel() is the number of elements it stands for (R * C), so this reports
the dense size and hides the saving (or the cost) of the sparse layout.
"""

import torch

CAUGHT_BY = "counted the dense size"
REJECTED_BY = "test_storage_bytes_counts_every_component"


def storage_bytes(t):
    if t.layout not in (torch.strided, torch.sparse_coo, torch.sparse_csr):
        raise ValueError(f"unsupported layout {t.layout}")
    return t.numel() * t.element_size()
