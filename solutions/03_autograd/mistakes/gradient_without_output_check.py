"""Mistake: gradient() never checks that f returns a single element.

backward() on a non-scalar raises torch's RuntimeError ("grad can be implicitly created only
for scalar outputs"), not the ValueError the docstring promises.
"""

import torch

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_gradient_rejects_output_that_is_not_a_single_element"


def gradient(f, *xs):
    leaves = [x.detach().requires_grad_(True) for x in xs]
    grads = torch.autograd.grad(f(*leaves), leaves, allow_unused=True, materialize_grads=True)
    return tuple(grads)
