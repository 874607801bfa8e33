"""Mistake: copies made with x.clone().requires_grad_(True), without detach().

A clone of a tensor that requires grad is still in its graph: the backward flows through
the clone into the caller's x, which collects a .grad.
"""

import re

import torch

CAUGHT_BY = "clone() without detach()"
REJECTED_BY = "test_anomaly_search_leaves_caller_and_other_errors_alone"


def first_nan_op(fn, *inputs):
    copies = [x.clone().requires_grad_(True) for x in inputs]
    with torch.autograd.detect_anomaly(check_nan=True):
        try:
            fn(*copies).sum().backward()
        except RuntimeError as err:
            found = re.search(r"Function '(\w+)' returned nan values", str(err))
            if found is None:
                raise
            return found.group(1)
    return None
