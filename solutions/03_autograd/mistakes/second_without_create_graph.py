"""Mistake: taking the first derivative without create_graph=True.

The first derivative then has no graph, and differentiating it again raises.
"""

import torch

CAUGHT_BY = "create_graph=True"
REJECTED_BY = "test_second_derivative_matches_analytic"


def second_derivative(f, x):
    leaf = x.detach().requires_grad_(True)
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf)
    (second,) = torch.autograd.grad(first.sum(), leaf)
    return second
