"""Mistake: assign_() swaps storage with w.set_(values.to(w.dtype)) under torch.no_grad().

w stays the same leaf, but it now points at other memory (for float32 values, the caller's
values themselves): views of w and an optimiser's state still see the old storage.
"""

import torch

CAUGHT_BY = "w.set_(values)"
REJECTED_BY = "test_assign_writes_into_the_leaf"


def assign_(w, values):
    with torch.no_grad():
        w.set_(values.to(w.device, w.dtype))
    return w
