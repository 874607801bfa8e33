"""Mistake: w.requires_grad_() and backward() on the caller's own w.

It flips the caller's requires_grad flag and leaves the gradient in (or adds it to) the
caller's w.grad.
"""

CAUGHT_BY = "changed w.requires_grad"
REJECTED_BY = "test_batch_gradient_leaves_w_and_the_data_alone"


def batch_gradient(loss_fn, w, X, y):
    w.requires_grad_(True)
    w.grad = None
    loss_fn(w, X, y).mean().backward()
    return w.grad.detach().clone()
