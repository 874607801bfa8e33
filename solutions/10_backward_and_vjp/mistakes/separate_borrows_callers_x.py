"""Mistake: running the heads' backward through the caller's x and clearing x.grad after.

The gradients are right, but a .grad the caller's x already had is wiped (and, for an x
that did not require grad, its flag flips for the duration). Use a fresh leaf.
"""

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_separate_gradients_leaves_caller_alone"


def separate_gradients(f, heads, x):
    if len(heads) == 0:
        raise ValueError("heads must not be empty")
    was = x.requires_grad
    x.requires_grad_(True)
    x.grad = None
    hidden = f(x)
    grads = []
    for k, head in enumerate(heads):
        head(hidden).backward(retain_graph=k < len(heads) - 1)
        grads.append(x.grad.detach().clone())
        x.grad = None
    x.requires_grad_(was)
    return grads
