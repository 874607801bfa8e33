"""Mistake: pick_device() tests `if torch.cuda.is_available:` without calling it.

A function object is always true, so this returns cuda on every machine, GPU or not.
"""

import torch

CAUGHT_BY = "without the call"
REJECTED_BY = "test_pick_device_prefers_cuda_then_mps_then_cpu"


def pick_device():
    if torch.cuda.is_available:
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
