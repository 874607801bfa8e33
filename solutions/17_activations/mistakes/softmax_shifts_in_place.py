"""Mistake: softmax that subtracts the max in place, x -= x.amax(dim, keepdim=True).

The probabilities are right, but the caller's logits are shifted under them (and logits
that require grad make the in-place write raise).
"""

import torch

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_activations_leave_the_callers_tensor_alone"


def softmax(x, dim=-1):
    x -= x.amax(dim=dim, keepdim=True)
    e = torch.exp(x)
    return e / e.sum(dim=dim, keepdim=True)
