"""Mistake: the asymmetric scale from the largest |x| (max / 127.5) instead of (hi - lo) / 255.

That is the symmetric scale: for a range like [-1, 9] it wastes almost half of the 256
levels on values that never occur, so every step is twice as coarse as it must be.
"""

import torch

CAUGHT_BY = "(hi - lo) / 255"
REJECTED_BY = "test_per_tensor_qparams_follow_the_formula"


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
    scale = torch.clamp(torch.maximum(-lo, hi) / 127.5, min=torch.finfo(torch.float32).eps)
    if symmetric:
        return scale, torch.zeros_like(scale, dtype=torch.int32)
    zero_point = torch.clamp(-128 - torch.round(lo / scale), -128, 127).to(torch.int32)
    return scale, zero_point
