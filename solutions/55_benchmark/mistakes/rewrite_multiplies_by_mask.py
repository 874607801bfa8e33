"""Mistake: dropping the padding by multiplying with the mask.

0 * inf and 0 * NaN are NaN: padding that holds them poisons the row's sum.
"""

import torch

CAUGHT_BY = "torch.where"
REJECTED_BY = "test_padding_never_leaks_even_inf_and_nan"


def masked_row_means(x, lengths):
    if x.dim() != 2 or lengths.shape != (x.shape[0],):
        raise ValueError("x must be (N, T) and lengths (N,)")
    if bool(((lengths < 0) | (lengths > x.shape[1])).any()):
        raise ValueError("lengths out of range")
    valid = torch.arange(x.shape[1], device=x.device) < lengths[:, None]
    return (x * valid).sum(dim=1) / lengths.clamp(min=1).to(x.dtype)
