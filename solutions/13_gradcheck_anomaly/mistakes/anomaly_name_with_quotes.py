"""Mistake: the name read with str(err).split()[1], which keeps the quotes: "'LogBackward0'".

The message is "Function 'LogBackward0' returned nan values ...": the second word carries
its quotes, so the name never equals the node's own type name.
"""

import torch

CAUGHT_BY = "with its quotes"
REJECTED_BY = "test_finds_the_planted_op_by_name"


def first_nan_op(fn, *inputs):
    copies = [x.detach().clone().requires_grad_(True) for x in inputs]
    with torch.autograd.detect_anomaly(check_nan=True):
        try:
            fn(*copies).sum().backward()
        except RuntimeError as err:
            if "returned nan values" not in str(err):
                raise
            return str(err).split()[1]
    return None
