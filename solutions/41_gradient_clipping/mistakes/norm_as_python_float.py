"""Mistake: adding up the per-tensor norms as Python floats and returning torch.tensor(total).

The values are right, but torch.tensor(a float) is float32 on the CPU: float64 gradients
get a float32 norm, not one of the gradients' dtype.
"""

import math

import torch

CAUGHT_BY = "the gradients' dtype"
REJECTED_BY = "test_float64_gradients_give_a_float64_norm"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norms = [torch.linalg.vector_norm(g, norm_type).item() for g in grads]
    if norm_type == math.inf:
        total = max(norms)
    else:
        total = sum(n**norm_type for n in norms) ** (1.0 / norm_type)
    coef = min(max_norm / (total + 1e-6), 1.0)
    with torch.no_grad():
        for g in grads:
            g.mul_(coef)
    return torch.tensor(total)
