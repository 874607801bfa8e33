"""Mistake: binarize written with plain torch ops and no autograd.Function.

Autograd differentiates sign/where faithfully: the derivative is zero almost everywhere,
so nothing upstream of the binarization ever learns.
"""

import torch

CAUGHT_BY = "zero gradient"
REJECTED_BY = "test_binarize_gradient_is_straight_through_inside_unit_interval"


def binarize(x):
    return torch.where(x >= 0, 1.0, -1.0).to(x.dtype) + 0 * x
