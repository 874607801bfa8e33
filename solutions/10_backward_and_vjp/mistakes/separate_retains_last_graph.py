"""Mistake: retain_graph=True on every backward, the last one included.

The gradients are right, but the graph and its saved activations stay alive until the
outputs are garbage-collected: memory that a training loop leaks every step.
"""

CAUGHT_BY = "retain_graph=True on the last"
REJECTED_BY = "test_graph_is_freed_after_last_head"


def separate_gradients(f, heads, x):
    if len(heads) == 0:
        raise ValueError("heads must not be empty")
    leaf = x.detach().requires_grad_(True)
    hidden = f(leaf)
    grads = []
    for head in heads:
        head(hidden).backward(retain_graph=True)
        grads.append(leaf.grad)
        leaf.grad = None
    return grads
