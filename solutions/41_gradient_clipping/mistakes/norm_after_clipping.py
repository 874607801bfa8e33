"""Mistake: returning the total norm of the gradients after clipping them.

The caller logs the returned norm to see how large the gradients were; after clipping it
is just max_norm whenever clipping happened.
"""

import torch

CAUGHT_BY = "norm after clipping"
REJECTED_BY = "test_returns_total_norm_before_clipping"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    params = [parameters] if isinstance(parameters, torch.Tensor) else list(parameters)
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.tensor(0.0)

    def total():
        return torch.linalg.vector_norm(
            torch.stack([torch.linalg.vector_norm(g, norm_type) for g in grads]), norm_type
        )

    coef = torch.clamp(max_norm / (total() + 1e-6), max=1.0)
    for g in grads:
        g.mul_(coef)
    return total()
