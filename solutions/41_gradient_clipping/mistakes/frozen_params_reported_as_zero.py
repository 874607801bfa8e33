"""Mistake: grad_norms reports 0.0 for parameters whose .grad is None instead of leaving them out.

A frozen or unused parameter has no gradient, not a zero one: reported as 0.0, diagnose
flags it as vanishing.
"""

import torch

CAUGHT_BY = "grad is None"
REJECTED_BY = "test_grad_norms_are_each_parameters_own_norm"


def grad_norms(model):
    return {
        n: 0.0 if p.grad is None else torch.linalg.vector_norm(p.grad).item()
        for n, p in model.named_parameters()
    }
