"""Mistake: the key padding mask True at the real tokens.

nn.Transformer's key padding masks are True at PADDING (ignore); inverted, attention reads
only the padding, and a row without padding becomes NaN.
"""

import torch

CAUGHT_BY = "padding mask is inverted"
REJECTED_BY = "test_padding_mask_marks_positions_past_each_length"


def padding_mask(lengths, max_len, *, dtype=torch.bool):
    if dtype != torch.bool and not dtype.is_floating_point:
        raise TypeError(f"dtype must be bool or floating, got {dtype}")
    if bool((lengths < 0).any()) or bool((lengths > max_len).any()):
        raise ValueError("lengths out of range")
    real = torch.arange(max_len, device=lengths.device) < lengths[:, None]
    if dtype == torch.bool:
        return real
    return torch.zeros(real.shape, dtype=dtype, device=lengths.device).masked_fill(
        real, float("-inf")
    )
