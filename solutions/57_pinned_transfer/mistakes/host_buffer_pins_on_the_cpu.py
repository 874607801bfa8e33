"""Mistake: pinning the buffer whatever the device.

pin_memory() raises on a machine without a GPU, and a CPU tensor gains nothing from it.
"""

import torch

CAUGHT_BY = "needs no pinning"
REJECTED_BY = "test_host_buffer_of_a_cpu_tensor_needs_no_cuda"


def host_buffer(like, ops=None):
    return ops.pin(torch.empty(like.shape, dtype=like.dtype))
