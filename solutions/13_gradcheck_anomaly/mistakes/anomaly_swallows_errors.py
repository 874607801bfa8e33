"""Mistake: catching every RuntimeError and returning None when it is not a NaN report.

A shape error or any other bug in fn disappears silently, reported as "no NaN found".
"""

import re

import torch

CAUGHT_BY = "swallowed the error"
REJECTED_BY = "test_anomaly_search_leaves_caller_and_other_errors_alone"


def first_nan_op(fn, *inputs):
    copies = [x.detach().clone().requires_grad_(True) for x in inputs]
    with torch.autograd.detect_anomaly(check_nan=True):
        try:
            fn(*copies).sum().backward()
        except RuntimeError as err:
            found = re.search(r"Function '(\w+)' returned nan", str(err))
            return found.group(1) if found else None
    return None
