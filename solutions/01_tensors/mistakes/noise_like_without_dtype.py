"""Mistake: noise_like() calls torch.rand_like(t) for every t.

Uniform floats cannot be drawn into an integer tensor: rand_like on int64 raises.
"""

import torch

CAUGHT_BY = "rand_like(t) on an integer tensor"
REJECTED_BY = "test_noise_like_shape_dtype_device_range"


def noise_like(t):
    return torch.rand_like(t)
