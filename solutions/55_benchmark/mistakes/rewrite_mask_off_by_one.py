"""Mistake: the mask built with <= instead of <.

Position lengths[i] is the first padding position: including it averages one value too
many.
"""

import torch

CAUGHT_BY = "off by one"
REJECTED_BY = "test_rewrite_matches_the_loop_on_random_batches"


def masked_row_means(x, lengths):
    if x.dim() != 2 or lengths.shape != (x.shape[0],):
        raise ValueError("x must be (N, T) and lengths (N,)")
    if bool(((lengths < 0) | (lengths > x.shape[1])).any()):
        raise ValueError("lengths out of range")
    valid = torch.arange(x.shape[1], device=x.device) <= lengths[:, None]
    return torch.where(valid, x, 0.0).sum(dim=1) / lengths.clamp(min=1).to(x.dtype)
