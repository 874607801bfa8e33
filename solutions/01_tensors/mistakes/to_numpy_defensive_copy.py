"""Mistake: to_numpy() returns t.detach().cpu().numpy().copy(), "to be safe".

The array is then a copy: a write to it no longer reaches t, and every call copies the
whole tensor. The docstring promises shared memory for a CPU tensor.
"""

import torch

CAUGHT_BY = "the result is a copy"
REJECTED_BY = "test_to_numpy_shares_a_cpu_tensors_memory"


def to_numpy(t):
    t = t.detach()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.cpu().numpy().copy()
