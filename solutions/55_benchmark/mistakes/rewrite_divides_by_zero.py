"""Mistake: dividing by the lengths as they are.

A row of length 0 gives 0 / 0 = NaN instead of 0.
"""

import torch

CAUGHT_BY = "dividing by a length of 0"
REJECTED_BY = "test_rewrite_matches_the_loop_on_random_batches"


def masked_row_means(x, lengths):
    if x.dim() != 2 or lengths.shape != (x.shape[0],):
        raise ValueError("x must be (N, T) and lengths (N,)")
    if bool(((lengths < 0) | (lengths > x.shape[1])).any()):
        raise ValueError("lengths out of range")
    valid = torch.arange(x.shape[1], device=x.device) < lengths[:, None]
    return torch.where(valid, x, 0.0).sum(dim=1) / lengths.to(x.dtype)
