"""Mistake: bilinear() writes 'ni,oji,nj->no', pairing x with weight's last axis.

weight is (O, I, J): x (N, I) pairs with its second axis and y (N, J) with its third. With
I != J einsum refuses the shapes; with I == J it runs and computes x W^T y instead.
"""

import torch

CAUGHT_BY = "its second axis pairs with x"
REJECTED_BY = "test_bilinear_with_square_weight_pairs_i_with_x_and_j_with_y"


def bilinear(x, weight, y):
    return torch.einsum("ni,oji,nj->no", x, weight, y)
