"""Mistake: noise_like() fills a floating t in place with t.uniform_() and returns it.

The noise is right, but the caller's t is overwritten (and the result is t itself).
"""

import torch

CAUGHT_BY = "t was changed in place"
REJECTED_BY = "test_noise_like_shape_dtype_device_range"


def noise_like(t):
    if t.is_floating_point():
        return t.uniform_()
    return torch.rand_like(t, dtype=float)
