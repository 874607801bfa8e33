"""Mistake: zeroing the padding of the caller's x in place.

The values are right, but the caller's padded batch is overwritten.
"""

import torch

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_rewrite_leaves_its_inputs_alone"


def masked_row_means(x, lengths):
    if x.dim() != 2 or lengths.shape != (x.shape[0],):
        raise ValueError("x must be (N, T) and lengths (N,)")
    if bool(((lengths < 0) | (lengths > x.shape[1])).any()):
        raise ValueError("lengths out of range")
    valid = torch.arange(x.shape[1], device=x.device) < lengths[:, None]
    x.masked_fill_(~valid, 0.0)
    return x.sum(dim=1) / lengths.clamp(min=1).to(x.dtype)
