"""Mistake: describe() derives the layout from t.is_sparse instead of reading t.layout.

t.is_sparse is True only for COO: a CSR (or CSC, BSR) tensor is reported as torch.strided.
"""

import torch

CAUGHT_BY = "a hard-coded layout"
REJECTED_BY = "test_describe_non_contiguous_and_sparse"


def describe(t):
    return {
        "shape": tuple(t.shape),
        "dtype": t.dtype,
        "device": t.device,
        "layout": torch.sparse_coo if t.is_sparse else torch.strided,
        "ndim": t.dim(),
        "numel": t.numel(),
    }
