"""Mistake: no check of the lengths: a length above max_len gives a mask with no padding.

A length of 5 for max_len 4 is a bug in the caller's batch; the docstring asks for a
ValueError instead of a mask that quietly hides it.
"""

import torch

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_padding_mask_rejects_bad_lengths_and_dtypes"


def padding_mask(lengths, max_len, *, dtype=torch.bool):
    if dtype != torch.bool and not dtype.is_floating_point:
        raise TypeError(f"dtype must be bool or floating, got {dtype}")
    pad = torch.arange(max_len, device=lengths.device) >= lengths[:, None]
    if dtype == torch.bool:
        return pad
    return torch.zeros(pad.shape, dtype=dtype, device=lengths.device).masked_fill(
        pad, float("-inf")
    )
