"""Mistake: no dtype check; leaving the refusal of an integer x to torch.

torch's own refusal ("only Tensors of floating point dtype can require gradients") is a
RuntimeError, not the TypeError the docstring promises, and a complex x passes autograd.
"""

CAUGHT_BY = "expected TypeError for a non-floating x"
REJECTED_BY = "test_derivative_rejects_non_floating_input"


def derivative(f, x):
    leaf = x.detach().requires_grad_(True)
    f(leaf).sum().backward()
    return leaf.grad
