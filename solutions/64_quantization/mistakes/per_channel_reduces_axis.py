"""Mistake: per channel, min and max taken along `axis` (amin(dim=axis)) instead of over the others.

That gives one pair per index of the OTHER dimensions: the wrong number of parameters, or
(for a square tensor) the right number describing the wrong slices.
"""

import torch

CAUGHT_BY = "over all the OTHER dimensions"
REJECTED_BY = "test_per_channel_qparams_equal_each_channel_alone"


def choose_qparams(x, *, symmetric=False, axis=None):
    if not x.is_floating_point() or x.numel() == 0:
        raise ValueError("need a non-empty floating-point tensor")
    x = x.detach().float()
    if axis is None:
        lo, hi = x.amin(), x.amax()
    else:
        lo, hi = x.amin(dim=axis), x.amax(dim=axis)
        if lo.dim() > 1:
            lo, hi = lo.flatten(1).amin(1), hi.flatten(1).amax(1)
    lo, hi = torch.clamp(lo, max=0.0), torch.clamp(hi, min=0.0)
    eps = torch.finfo(torch.float32).eps
    if symmetric:
        scale = torch.clamp(torch.maximum(-lo, hi) / 127.5, min=eps)
        return scale, torch.zeros_like(scale, dtype=torch.int32)
    scale = torch.clamp((hi - lo) / 255, min=eps)
    zero_point = torch.clamp(-128 - torch.round(lo / scale), -128, 127)
    return scale, zero_point.to(torch.int32)
