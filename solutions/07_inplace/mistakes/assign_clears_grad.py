"""Mistake: assign_() copies the values under torch.no_grad() and also sets w.grad = None.

assign_ promises to change only w's values: a gradient the caller accumulated (and is about
to step with) is thrown away.
"""

import torch

CAUGHT_BY = "w.grad = None"
REJECTED_BY = "test_assign_writes_into_the_leaf"


def assign_(w, values):
    with torch.no_grad():
        w.copy_(values)
    w.grad = None
    return w
