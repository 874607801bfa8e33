"""Mistake: the zero point converted with .to(torch.int32) instead of rounded first.

The conversion truncates toward zero, so the zero point is off by one whenever lo / scale
has a fractional part above one half: 0.0 is then no longer exactly representable.
"""

import torch

CAUGHT_BY = "not truncated"
REJECTED_BY = "test_per_channel_qparams_equal_each_channel_alone"


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
    eps = torch.finfo(torch.float32).eps
    if symmetric:
        scale = torch.clamp(torch.maximum(-lo, hi) / 127.5, min=eps)
        return scale, torch.zeros_like(scale, dtype=torch.int32)
    scale = torch.clamp((hi - lo) / 255, min=eps)
    zero_point = torch.clamp(-128 - (lo / scale).to(torch.int32), -128, 127)
    return scale, zero_point.to(torch.int32)
