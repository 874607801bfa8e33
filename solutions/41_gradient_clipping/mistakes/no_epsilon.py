"""Mistake: the coefficient max_norm / total_norm, without torch's + 1e-6.

Tiny gradients are then clipped differently from torch, and zero gradients with max_norm 0
turn into NaN (0 / 0).
"""

import torch

CAUGHT_BY = "1e-6"
REJECTED_BY = "test_tiny_and_zero_gradients_follow_torchs_epsilon"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
    total_norm = torch.linalg.vector_norm(norms, norm_type)
    coef = torch.clamp(max_norm / total_norm, max=1.0)
    for g in grads:
        g.mul_(coef)
    return total_norm
