"""Mistake: .squeeze() on the result to "clean up" the shape.

squeeze() removes every axis of size 1: on a batch of one the result is 0-d, not (1,).
"""

import torch

CAUGHT_BY = "batch of one"
REJECTED_BY = "test_rewrite_handles_edge_sizes"


def masked_row_means(x, lengths):
    if x.dim() != 2 or lengths.shape != (x.shape[0],):
        raise ValueError("x must be (N, T) and lengths (N,)")
    if bool(((lengths < 0) | (lengths > x.shape[1])).any()):
        raise ValueError("lengths out of range")
    valid = torch.arange(x.shape[1], device=x.device) < lengths[:, None]
    sums = torch.where(valid, x, 0.0).sum(dim=1, keepdim=True)
    return (sums / lengths.clamp(min=1)[:, None].to(x.dtype)).squeeze()
