"""Mistake: filled_like() uses torch.full(t.shape, value).

torch.full infers the dtype from value (a float gives float32) and uses the default
device, so an int64 or CUDA t gets a float32 CPU result.
"""

import torch

CAUGHT_BY = "without dtype="
REJECTED_BY = "test_filled_like_keeps_dtype_and_device"


def filled_like(t, value):
    return torch.full(t.shape, value)
