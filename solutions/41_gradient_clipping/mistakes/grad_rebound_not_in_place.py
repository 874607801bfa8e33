"""Mistake: clip_grad_norm rebinds p.grad = p.grad * coef instead of scaling it in place.

The values are right, but .grad is a new tensor: anything holding the old gradient tensor
(a DDP bucket view, a hook, a reference taken before the call) keeps the unclipped values.
"""

import torch

CAUGHT_BY = "edited in place"
REJECTED_BY = "test_clip_grad_norm_scales_each_grad_in_place"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    params = [p for p in params if p.grad is not None]
    if not params:
        return torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(p.grad, norm_type) for p in params])
    total_norm = torch.linalg.vector_norm(norms, norm_type)
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for p in params:
        p.grad = p.grad * coef
    return total_norm
