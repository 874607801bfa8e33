"""Mistake: the range check written with lengths.max() and lengths.min().

max() of an empty tensor raises, so an empty batch, which is legal, crashes.
"""

import torch

CAUGHT_BY = "empty batch"
REJECTED_BY = "test_rewrite_handles_edge_sizes"


def masked_row_means(x, lengths):
    if x.dim() != 2 or lengths.shape != (x.shape[0],):
        raise ValueError("x must be (N, T) and lengths (N,)")
    if int(lengths.min()) < 0 or int(lengths.max()) > x.shape[1]:
        raise ValueError("lengths out of range")
    valid = torch.arange(x.shape[1], device=x.device) < lengths[:, None]
    return torch.where(valid, x, 0.0).sum(dim=1) / lengths.clamp(min=1).to(x.dtype)
