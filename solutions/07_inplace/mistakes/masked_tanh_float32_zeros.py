"""Mistake: masked_tanh() uses torch.where(mask, torch.zeros(x.shape), torch.tanh(x)).

torch.zeros without dtype= is float32: a float16 x comes back float32 (and on a GPU the
CPU zeros do not even mix with x).
"""

import torch

CAUGHT_BY = "zeros made without dtype="
REJECTED_BY = "test_masked_tanh_leaves_inputs_alone_and_keeps_dtype"


def masked_tanh(x, mask):
    return torch.where(mask, torch.zeros(x.shape), torch.tanh(x))
