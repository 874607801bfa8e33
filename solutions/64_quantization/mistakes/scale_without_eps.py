"""Mistake: the scale not clamped to at least float32 eps.

An all-zero tensor or channel (a pruned row, a dead feature) gets scale 0: quantizing
divides by zero and the zero point becomes NaN cast to an integer.
"""

import torch

CAUGHT_BY = "eps"
REJECTED_BY = "test_all_zero_channel_gets_the_eps_scale"


def choose_qparams(x, *, symmetric=False, axis=None):
    if not x.is_floating_point() or x.numel() == 0:
        raise ValueError("need a non-empty floating-point tensor")
    x = x.detach().float()
    if axis is None:
        lo, hi = x.amin(), x.amax()
    else:
        others = [d for d in range(x.dim()) if d != axis % x.dim()]
        lo, hi = x.amin(dim=others), x.amax(dim=others)
    lo, hi = torch.clamp(lo, max=0.0), torch.clamp(hi, min=0.0)
    if symmetric:
        scale = torch.maximum(-lo, hi) / 127.5
        return scale, torch.zeros_like(scale, dtype=torch.int32)
    scale = (hi - lo) / 255
    zero_point = torch.clamp(-128 - torch.round(lo / scale), -128, 127)
    return scale, zero_point.to(torch.int32)
