"""Mistake: first derivative by backward(create_graph=True), read from .grad, then backward().

torch warns about the reference cycle this makes (an error under this suite), and the second
backward() adds f'' to the f' already in .grad: the result would be f' + f''.
"""

import torch

CAUGHT_BY = "use torch.autograd.grad"
REJECTED_BY = "test_second_derivative_matches_analytic"


def second_derivative(f, x):
    if not torch.is_floating_point(x):
        raise TypeError("x must be floating point")
    leaf = x.detach().requires_grad_(True)
    f(leaf).sum().backward(create_graph=True)
    leaf.grad.sum().backward()
    return leaf.grad.detach()
