"""Mistake: derivative() accepts only x.dtype in (torch.float32, torch.float64).

float16 and bfloat16 are floating point too, and autograd differentiates them; the
docstring refuses only non-floating x. torch.is_floating_point(x) is the check.
"""

import torch

CAUGHT_BY = "a dtype check that lists the dtypes it accepts"
REJECTED_BY = "test_derivative_accepts_every_floating_dtype"


def derivative(f, x):
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"x must be float32 or float64, got dtype {x.dtype}")
    leaf = x.detach().requires_grad_(True)
    f(leaf).sum().backward()
    return leaf.grad
