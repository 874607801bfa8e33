"""Mistake: only the forward runs inside detect_anomaly; backward() comes after the block.

Anomaly mode checks for NaN while the backward runs: with the mode off by then, nothing
stops at the node that made the NaN, and the masked NaN is never reported.
"""

import re

import torch

CAUGHT_BY = "only the forward ran inside"
REJECTED_BY = "test_finds_the_planted_op_by_name"


def first_nan_op(fn, *inputs):
    copies = [x.detach().clone().requires_grad_(True) for x in inputs]
    with torch.autograd.detect_anomaly(check_nan=True):
        out = fn(*copies)  # anomaly mode records where each node was made
    try:
        out.sum().backward()
    except RuntimeError as err:
        found = re.search(r"Function '(\w+)' returned nan values", str(err))
        if found is None:
            raise
        return found.group(1)
    return None
