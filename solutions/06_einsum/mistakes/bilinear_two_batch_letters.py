"""Mistake: bilinear() gives x and y different sample letters ('ni,oij,mj->no').

einsum then sums over every sample m of y for each sample n of x.
"""

import torch

CAUGHT_BY = "share the sample letter"
REJECTED_BY = "test_bilinear_equals_functional_bilinear"


def bilinear(x, weight, y):
    return torch.einsum("ni,oij,mj->no", x, weight, y)
