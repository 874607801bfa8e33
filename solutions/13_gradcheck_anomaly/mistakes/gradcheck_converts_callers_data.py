"""Mistake: x.data = x.data.double() on the caller's tensors, to give gradcheck float64.

Assigning .data swaps the caller's storage for a float64 copy: after the call their float32
tensor is float64, and every later op on it runs (or fails) in the wrong dtype.
"""

import torch

CAUGHT_BY = "changed the caller's x: its dtype"
REJECTED_BY = "test_gradcheck_leaves_callers_tensors_alone"


def backward_is_correct(fn, *inputs):
    for x in inputs:
        x.data = x.data.to(torch.float64)  # gradcheck wants double precision
    copies = tuple(x.detach().requires_grad_(True) for x in inputs)
    return torch.autograd.gradcheck(
        fn, copies, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False
    )
