"""Mistake: grad_norms returns its entries sorted by name.

Sorting puts "alpha" before "zeta" and "10.weight" before "2.weight": the order no longer
follows the layers, which is how a reader finds where gradients start to vanish.
"""

import torch

CAUGHT_BY = "named_parameters order"
REJECTED_BY = "test_grad_norms_come_in_named_parameters_order"


def grad_norms(model):
    norms = {
        n: torch.linalg.vector_norm(p.grad).item()
        for n, p in model.named_parameters()
        if p.grad is not None
    }
    return dict(sorted(norms.items()))
