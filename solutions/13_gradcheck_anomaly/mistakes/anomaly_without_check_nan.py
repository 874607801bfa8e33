"""Mistake: detect_anomaly(check_nan=False), keeping only the forward tracebacks.

check_nan is what makes anomaly mode raise at the node whose backward returned NaN;
without it the backward runs through, and a masked NaN is never reported.
"""

import re

import torch

CAUGHT_BY = "check_nan=False"
REJECTED_BY = "test_finds_the_planted_op_by_name"


def first_nan_op(fn, *inputs):
    copies = [x.detach().clone().requires_grad_(True) for x in inputs]
    with torch.autograd.detect_anomaly(check_nan=False):
        try:
            fn(*copies).sum().backward()
        except RuntimeError as err:
            found = re.search(r"Function '(\w+)' returned nan values", str(err))
            if found is None:
                raise
            return found.group(1)
    return None
