"""Mistake: x.grad = None on the caller's tensors first, "so stale gradients cannot leak in".

gradcheck computes its gradients with torch.autograd.grad and never reads .grad; clearing it
only throws away the gradient the caller had accumulated.
"""

import torch

CAUGHT_BY = "changed the caller's x: its .grad"
REJECTED_BY = "test_gradcheck_leaves_callers_tensors_alone"


def backward_is_correct(fn, *inputs):
    for x in inputs:
        x.grad = None
    copies = tuple(x.detach().to(torch.float64).requires_grad_(True) for x in inputs)
    return torch.autograd.gradcheck(
        fn, copies, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False
    )
