"""Mistake: grad_norms keeps each norm as a 0-d tensor (no .item()).

The docstring promises Python floats: tensors print as tensor(...), keep their device
memory, and compare elementwise.
"""

import torch

CAUGHT_BY = "python float"
REJECTED_BY = "test_grad_norms_are_each_parameters_own_norm"


def grad_norms(model):
    return {
        n: torch.linalg.vector_norm(p.grad)
        for n, p in model.named_parameters()
        if p.grad is not None
    }
