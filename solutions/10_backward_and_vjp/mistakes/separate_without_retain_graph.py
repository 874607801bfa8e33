"""Mistake: calling backward() for each head without retain_graph=True.

The first backward frees the shared graph's saved tensors, so the second head's backward
raises "Trying to backward through the graph a second time".
"""

CAUGHT_BY = "retain_graph=True to every backward but the last"
REJECTED_BY = "test_each_gradient_is_for_its_own_head"


def separate_gradients(f, heads, x):
    if len(heads) == 0:
        raise ValueError("heads must not be empty")
    leaf = x.detach().requires_grad_(True)
    hidden = f(leaf)
    grads = []
    for head in heads:
        head(hidden).backward()
        grads.append(leaf.grad)
        leaf.grad = None
    return grads
