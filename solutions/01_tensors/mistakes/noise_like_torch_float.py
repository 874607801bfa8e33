"""Mistake: noise_like() asks for dtype=torch.float for an integer t.

torch.float is an alias of torch.float32; Python's float, as a dtype, means torch.float64.
"""

import torch

CAUGHT_BY = "torch.float is float32"
REJECTED_BY = "test_noise_like_shape_dtype_device_range"


def noise_like(t):
    if t.is_floating_point():
        return torch.rand_like(t)
    return torch.rand_like(t, dtype=torch.float)
