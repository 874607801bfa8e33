"""Mistake: no anomaly mode; look for NaN in .grad after backward and blame out.grad_fn.

Without anomaly detection nothing stops at the node that made the NaN. Later nodes can
mask it (relu's backward zeroes exactly those positions), so .grad looks clean; and when it
does not, the output's node is not the culprit anyway.
"""

import torch

CAUGHT_BY = "only anomaly mode"
REJECTED_BY = "test_finds_the_planted_op_by_name"


def first_nan_op(fn, *inputs):
    copies = [x.detach().clone().requires_grad_(True) for x in inputs]
    out = fn(*copies)
    out.sum().backward()
    if any(torch.isnan(c.grad).any() for c in copies):
        return type(out.grad_fn).__name__
    return None
