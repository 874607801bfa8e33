"""Mistake: float64 copies made with x.detach().to(torch.float64), but no requires_grad_().

gradcheck only checks inputs that require grad; with none, it refuses to run and raises
ValueError.
"""

import torch

CAUGHT_BY = "do not require grad"
REJECTED_BY = "test_correct_backward_passes"


def backward_is_correct(fn, *inputs):
    copies = tuple(x.detach().to(torch.float64) for x in inputs)
    return torch.autograd.gradcheck(
        fn, copies, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False
    )
