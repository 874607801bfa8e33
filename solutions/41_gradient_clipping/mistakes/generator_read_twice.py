"""Mistake: iterating over `parameters` twice (once for the norm, once to clip).

model.parameters() is a generator: the second loop sees nothing, so the norm comes back
right but no gradient is clipped.
"""

import torch

CAUGHT_BY = "generator was read twice"
REJECTED_BY = "test_generator_of_parameters_is_read_once"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    if isinstance(parameters, torch.Tensor):
        parameters = [parameters]
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)
    norms = torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads])
    total_norm = torch.linalg.vector_norm(norms, norm_type)
    coef = torch.clamp(max_norm / (total_norm + 1e-6), max=1.0)
    for p in parameters:
        if p.grad is not None:
            p.grad.mul_(coef)
    return total_norm
