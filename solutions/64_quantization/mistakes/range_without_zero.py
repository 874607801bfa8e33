"""Mistake: lo and hi taken as the data's min and max, without including 0, and no clamp.

For all-positive data the zero point falls far below -128 (it cannot be stored in int8),
and 0.0 itself is not representable.
"""

import torch

CAUGHT_BY = "outside [-128, 127]"
REJECTED_BY = "test_range_always_includes_zero"


def choose_qparams(x, *, symmetric=False, axis=None):
    if not x.is_floating_point() or x.numel() == 0:
        raise ValueError("need a non-empty floating-point tensor")
    x = x.detach().float()
    if axis is None:
        lo, hi = x.amin(), x.amax()
    else:
        others = [d for d in range(x.dim()) if d != axis % x.dim()]
        lo, hi = x.amin(dim=others), x.amax(dim=others)
    eps = torch.finfo(torch.float32).eps
    if symmetric:
        scale = torch.clamp(torch.maximum(-lo, hi) / 127.5, min=eps)
        return scale, torch.zeros_like(scale, dtype=torch.int32)
    scale = torch.clamp((hi - lo) / 255, min=eps)
    zero_point = -128 - torch.round(lo / scale)
    return scale, zero_point.to(torch.int32)
