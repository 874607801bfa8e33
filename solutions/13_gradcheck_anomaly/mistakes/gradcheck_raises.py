"""Mistake: calling gradcheck with its default raise_exception=True.

A wrong backward then raises GradcheckError out of the function instead of returning False.
"""

import torch

CAUGHT_BY = "raise_exception=False"
REJECTED_BY = "test_broken_backward_is_flagged"


def backward_is_correct(fn, *inputs):
    copies = tuple(x.detach().to(torch.float64).requires_grad_(True) for x in inputs)
    return torch.autograd.gradcheck(fn, copies, eps=1e-6, atol=1e-5, rtol=1e-3)
