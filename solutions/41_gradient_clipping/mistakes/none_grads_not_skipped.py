"""Mistake: measuring and clipping every parameter's .grad, including those that are None.

Frozen parameters and parameters the loss does not use have .grad None; the norm of None
raises.
"""

import torch

CAUGHT_BY = "must be skipped"
REJECTED_BY = "test_clip_grad_norm_matches_torch"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params]
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
    total_norm = torch.linalg.vector_norm(norms, norm_type)
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return total_norm


def clip_grad_value(parameters, clip_value):
    params = [parameters] if isinstance(parameters, torch.Tensor) else parameters
    for p in params:
        p.grad.clamp_(-clip_value, clip_value)
