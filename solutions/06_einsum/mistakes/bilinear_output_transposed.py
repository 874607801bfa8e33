"""Mistake: bilinear() writes the output as '->on', outputs by samples.

The sums are right, but F.bilinear's layout is (N, O), one row per sample: '->no'.
"""

import torch

CAUGHT_BY = "'->on' gives (O, N)"
REJECTED_BY = "test_bilinear_equals_functional_bilinear"


def bilinear(x, weight, y):
    return torch.einsum("ni,oij,nj->on", x, weight, y)
