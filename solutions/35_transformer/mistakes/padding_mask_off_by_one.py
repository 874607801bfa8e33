"""Mistake: padding where t > lengths[b] instead of t >= lengths[b].

Position lengths[b] is the first padded one (positions 0..lengths[b]-1 are real); this
mask lets attention read one padded position per row.
"""

import torch

CAUGHT_BY = "off-by-one"
REJECTED_BY = "test_padding_mask_marks_positions_past_each_length"


def padding_mask(lengths, max_len, *, dtype=torch.bool):
    if dtype != torch.bool and not dtype.is_floating_point:
        raise TypeError(f"dtype must be bool or floating, got {dtype}")
    if bool((lengths < 0).any()) or bool((lengths > max_len).any()):
        raise ValueError("lengths out of range")
    pad = torch.arange(max_len, device=lengths.device) > lengths[:, None]
    if dtype == torch.bool:
        return pad
    return torch.zeros(pad.shape, dtype=dtype, device=lengths.device).masked_fill(
        pad, float("-inf")
    )
