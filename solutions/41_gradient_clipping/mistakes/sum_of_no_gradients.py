"""Mistake: the total norm as Python's sum() over the gradients, with no empty case.

The None gradients are skipped, but with no gradient at all sum() of the empty generator is
the int 0, so the function returns 0 (an int) instead of tensor(0.).
"""

import torch

CAUGHT_BY = "which for no gradients at all is the int 0"
REJECTED_BY = "test_no_gradients_at_all_returns_zero"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    with torch.no_grad():
        if norm_type == float("inf"):
            total = max((g.abs().max() for g in grads), default=0)
        else:
            total = sum(torch.linalg.vector_norm(g, norm_type) ** norm_type for g in grads)
            total = total ** (1.0 / norm_type)
        coef = min(max_norm / (float(total) + 1e-6), 1.0)
        for g in grads:
            g.mul_(coef)
    return total
