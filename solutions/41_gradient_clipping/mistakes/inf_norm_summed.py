"""Mistake: the inf norm as the sum of each tensor's largest |g| (and p-norms by the formula).

The total norm is the norm of all gradients seen as one vector: for inf, the largest
absolute value over all of them, not a sum over tensors.
"""

import math

import torch

CAUGHT_BY = "largest absolute value"
REJECTED_BY = "test_inf_norm_is_the_largest_absolute_gradient"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    if norm_type == math.inf:
        total_norm = sum(g.abs().max() for g in grads)
    else:
        total_norm = sum(g.abs().pow(norm_type).sum() for g in grads) ** (1.0 / norm_type)
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return total_norm
