"""Mistake: tanh from its definition, (e^x - e^-x) / (e^x + e^-x).

At |x| = 1000 both exponentials overflow: inf / inf = NaN.
"""

import torch

CAUGHT_BY = "(exp(x) - exp(-x)) / (exp(x) + exp(-x)) as written"
REJECTED_BY = "test_tanh_finite_for_extreme_inputs"


def tanh(x):
    return (torch.exp(x) - torch.exp(-x)) / (torch.exp(x) + torch.exp(-x))
