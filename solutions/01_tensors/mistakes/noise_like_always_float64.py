"""Mistake: noise_like() calls torch.rand_like(t, dtype=float) for every t.

Right for an integer t, but a floating t must keep its own dtype: float32 and float16
inputs get float64 noise.
"""

import torch

CAUGHT_BY = "a fixed dtype= (or a cast) for every t"
REJECTED_BY = "test_noise_like_shape_dtype_device_range"


def noise_like(t):
    return torch.rand_like(t, dtype=float)
