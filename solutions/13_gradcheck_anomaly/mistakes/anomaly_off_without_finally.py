"""Mistake: set_detect_anomaly(True) ... set_detect_anomaly(False), with no finally.

When fn raises (a shape error, say), the second call never runs and anomaly mode stays on
for the rest of the program, slowing every later backward.
"""

import re

import torch

CAUGHT_BY = "left anomaly detection on"
REJECTED_BY = "test_anomaly_search_leaves_caller_and_other_errors_alone"


def first_nan_op(fn, *inputs):
    copies = [x.detach().clone().requires_grad_(True) for x in inputs]
    torch.autograd.set_detect_anomaly(True, check_nan=True)
    try:
        fn(*copies).sum().backward()
    except RuntimeError as err:
        found = re.search(r"Function '(\w+)' returned nan values", str(err))
        if found is None:
            raise
        torch.autograd.set_detect_anomaly(False)
        return found.group(1)
    torch.autograd.set_detect_anomaly(False)
    return None
