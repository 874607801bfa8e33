"""Mistake: a shortcut, "nothing to zero": return x itself when no entry is negative.

The result is then the caller's own tensor, not a new one: writing into the activation (or
an in-place op after it, such as a later ReLU(inplace=True)) rewrites the caller's x.
"""

import torch

CAUGHT_BY = "returned the caller's x itself"
REJECTED_BY = "test_activations_leave_the_callers_tensor_alone"


def relu(x):
    if bool((x >= 0).all()):
        return x
    return torch.where(x > 0, x, torch.zeros_like(x))
