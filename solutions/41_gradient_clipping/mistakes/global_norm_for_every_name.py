"""Mistake: grad_norms reports the one global norm (as clip_grad_norm measures) for every name.

The total norm of all gradients cannot say which layer vanishes or explodes: each entry
must be the norm of that parameter's own gradient.
"""

import torch

CAUGHT_BY = "one global norm"
REJECTED_BY = "test_grad_norms_are_each_parameters_own_norm"


def grad_norms(model):
    named = [(n, p) for n, p in model.named_parameters() if p.grad is not None]
    total = torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(p.grad) for _, p in named])
    ).item()
    return {name: total for name, _ in named}
