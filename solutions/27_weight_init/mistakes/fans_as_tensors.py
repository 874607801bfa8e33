"""Mistake: the receptive field computed with torch.prod, so the fans come back as tensors.

torch.tensor(weight.shape[2:]).prod() is a 0-d tensor (a float one for a Linear, whose
kernel shape is empty); the docstring promises Python ints, which math and range() accept.
"""

import torch

CAUGHT_BY = "expected Python ints"
REJECTED_BY = "test_fans_match_torch"


def fan_in_and_fan_out(weight):
    if weight.dim() < 2:
        raise ValueError("need at least 2 dimensions")
    field = torch.tensor(weight.shape[2:]).prod()
    return weight.shape[1] * field, weight.shape[0] * field
