"""Mistake: reading leaf.grad after each head without clearing it.

backward() adds into .grad, so gradient k is the sum of heads 0..k (and every list entry
may even be the same tensor object, updated in place).
"""

CAUGHT_BY = "the gradients accumulated"
REJECTED_BY = "test_each_gradient_is_for_its_own_head"


def separate_gradients(f, heads, x):
    if len(heads) == 0:
        raise ValueError("heads must not be empty")
    leaf = x.detach().requires_grad_(True)
    hidden = f(leaf)
    grads = []
    for k, head in enumerate(heads):
        head(hidden).backward(retain_graph=k < len(heads) - 1)
        grads.append(leaf.grad.clone())
    return grads
