"""Mistake: x.double().requires_grad_() without detach().

.double() returns x itself when x is already float64, so requires_grad_() flips the
caller's flag and gradcheck's backward passes run through the caller's tensor.
"""

import torch

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_gradcheck_leaves_callers_tensors_alone"


def backward_is_correct(fn, *inputs):
    copies = tuple(x.double().requires_grad_(True) for x in inputs)
    return torch.autograd.gradcheck(
        fn, copies, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False
    )
