"""Mistake: no check of the shapes and lengths.

A length past T silently averages T values while dividing by more; a negative one gives a
negative "mean".
"""

import torch

CAUGHT_BY = "no check of the shapes"
REJECTED_BY = "test_bad_shapes_and_lengths_raise_value_error"


def masked_row_means(x, lengths):
    valid = torch.arange(x.shape[-1], device=x.device) < lengths[:, None]
    return torch.where(valid, x, 0.0).sum(dim=1) / lengths.clamp(min=1).to(x.dtype)
