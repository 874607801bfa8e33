"""Mistake: masked_tanh() inverts the mask in place, mask.logical_not_(), to keep unmasked values.

The values are right, but mask is the caller's tensor: it comes back inverted, and the next
call with the same mask zeroes the wrong positions. ~mask makes a new tensor.
"""

import torch

CAUGHT_BY = "changed the caller's mask"
REJECTED_BY = "test_masked_tanh_leaves_inputs_alone_and_keeps_dtype"


def masked_tanh(x, mask):
    keep = mask.logical_not_()
    return torch.where(keep, torch.tanh(x), 0.0)
