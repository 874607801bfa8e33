"""Mistake: no check for an empty heads.

The loop never runs and [] comes back (after an expensive forward for nothing); the
docstring asks for ValueError.
"""

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_separate_gradients_rejects_no_heads"


def separate_gradients(f, heads, x):
    leaf = x.detach().requires_grad_(True)
    hidden = f(leaf)
    grads = []
    for k, head in enumerate(heads):
        head(hidden).backward(retain_graph=k < len(heads) - 1)
        grads.append(leaf.grad)
        leaf.grad = None
    return grads
