"""Mistake: torch.autograd.set_detect_anomaly(True) as a plain call, never switched off.

Anomaly mode stays on for the rest of the program: every later backward records forward
tracebacks and checks for NaN, many times slower.
"""

import re

import torch

CAUGHT_BY = "left anomaly detection on"
REJECTED_BY = "test_finds_the_planted_op_by_name"


def first_nan_op(fn, *inputs):
    copies = [x.detach().clone().requires_grad_(True) for x in inputs]
    torch.autograd.set_detect_anomaly(True, check_nan=True)
    try:
        fn(*copies).sum().backward()
    except RuntimeError as err:
        found = re.search(r"Function '(\w+)' returned nan", str(err))
        if found is None:
            raise
        return found.group(1)
    return None
