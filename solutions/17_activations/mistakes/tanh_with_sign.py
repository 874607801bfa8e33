"""Mistake: tanh as torch.sign(x) * tanh(|x|), the odd symmetry through sign().

Values are right everywhere, but sign() has gradient 0 and sign(0) is 0, so at exactly
x = 0 the product's slope is 0 instead of 1.
"""

import torch

CAUGHT_BY = "torch.sign(x)"
REJECTED_BY = "test_tanh_finite_for_extreme_inputs"


def tanh(x):
    m = 2 * torch.where(x >= 0, -x, x)  # -2|x|
    return torch.sign(x) * (-torch.expm1(m) / (1 + torch.exp(m)))
