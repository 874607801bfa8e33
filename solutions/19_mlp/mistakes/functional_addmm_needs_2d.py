"""Mistake: each layer as torch.addmm(bias, x, weight.T), which wants x exactly 2-d.

The docstring allows any leading batch dims, x: (..., in_0), including none (one example
of shape (in_0,)); addmm raises for those.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "torch.addmm"
REJECTED_BY = "test_functional_equals_reference"


def mlp_functional(x, params):
    for i, (weight, bias) in enumerate(params):
        x = torch.addmm(bias, x, weight.T)
        if i < len(params) - 1:
            x = F.relu(x)
    return x
