"""Mistake: the mean of x ** 2 taken over dim 0 (down the columns) instead of along each row.

RMSNorm normalises every row (one token's features) by its own RMS; a mean over the batch
mixes the rows together.
"""

import torch

CAUGHT_BY = "instead of each row"
REJECTED_BY = "test_reference_equals_torch_rms_norm"


def rms_norm_reference(x, weight, eps):
    r = torch.rsqrt(x.pow(2).mean(dim=0, keepdim=True) + eps)
    return x * r * weight
