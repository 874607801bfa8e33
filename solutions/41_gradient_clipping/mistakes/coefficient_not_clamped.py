"""Mistake: multiplying by max_norm / (total_norm + 1e-6) without clamping it to 1.0.

When the gradients are already below max_norm the coefficient is above 1 and the
"clipping" scales them up to max_norm.
"""

import torch

CAUGHT_BY = "scaled up"
REJECTED_BY = "test_gradients_below_max_norm_are_not_scaled_up"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
    total_norm = torch.linalg.vector_norm(norms, norm_type)
    coef = max_norm / (total_norm + 1e-6)
    for g in grads:
        g.mul_(coef)
    return total_norm
