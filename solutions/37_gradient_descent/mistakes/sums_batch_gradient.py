"""Mistake: the batch gradient of the SUM of the per-example losses, not their mean.

The step then grows with the batch size, so a learning rate tuned for one batch size
diverges at another, and the last short batch gets a smaller step than the rest.
"""

import torch

CAUGHT_BY = "summed instead of averaged"
REJECTED_BY = "test_batch_gradient_is_the_mean_of_the_per_example_gradients"


def batch_gradient(loss_fn, w, X, y):
    leaf = w.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(loss_fn(leaf, X, y).sum(), leaf)
    return grad
