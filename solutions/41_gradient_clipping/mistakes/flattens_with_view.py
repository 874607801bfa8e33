"""Mistake: flattening every gradient with g.view(-1) to take one norm of the concatenation.

view needs compatible strides: the gradient of a transposed weight is not contiguous, and
view(-1) raises on it. reshape(-1), or a norm per tensor, works on any layout.
"""

import torch

CAUGHT_BY = "need not be contiguous"
REJECTED_BY = "test_clip_grad_norm_handles_non_contiguous_gradients"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    flat = torch.cat([g.view(-1) for g in grads])
    total_norm = torch.linalg.vector_norm(flat, norm_type)
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return total_norm
