"""Mistake: requires_grad_() on the caller's tensors instead of on detached copies.

The backward then runs through the caller's own tensors: x collects a .grad and w, which
did not require grad, now does.
"""

import re

import torch

CAUGHT_BY = "changed the caller's tensors"
REJECTED_BY = "test_anomaly_search_leaves_caller_and_other_errors_alone"


def first_nan_op(fn, *inputs):
    leaves = [x.requires_grad_(True) for x in inputs]
    with torch.autograd.detect_anomaly(check_nan=True):
        try:
            fn(*leaves).sum().backward()
        except RuntimeError as err:
            found = re.search(r"Function '(\w+)' returned nan values", str(err))
            if found is None:
                raise
            return found.group(1)
    return None
