"""Mistake: gradcheck with loosened tolerances (atol=1e-4, rtol=1e-2), "to be safe".

In float64 the finite differences are good to about 1e-9; a tolerance of 1% hides a
backward that is wrong by 0.1%, such as GELU's tanh approximation under an exact forward.
"""

import torch

CAUGHT_BY = "looser than the docstring's"
REJECTED_BY = "test_slightly_wrong_backward_is_flagged"


def backward_is_correct(fn, *inputs):
    copies = tuple(x.detach().to(torch.float64).requires_grad_(True) for x in inputs)
    return torch.autograd.gradcheck(
        fn, copies, eps=1e-6, atol=1e-4, rtol=1e-2, raise_exception=False
    )
