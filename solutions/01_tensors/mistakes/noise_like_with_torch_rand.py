"""Mistake: noise_like() draws torch.rand(t.shape, dtype=...) instead of torch.rand_like(t).

torch.rand makes the tensor on the default device, not on t's: a CUDA (or meta) t gets
CPU noise.
"""

import torch

CAUGHT_BY = "torch.rand(t.shape)"
REJECTED_BY = "test_noise_like_keeps_device_on_meta"


def noise_like(t):
    dtype = t.dtype if t.is_floating_point() else torch.float64
    return torch.rand(t.shape, dtype=dtype)
