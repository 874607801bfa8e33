"""Mistake: pick_device() checks CUDA and falls back to the CPU, never trying MPS."""

import torch

CAUGHT_BY = "a missing check"
REJECTED_BY = "test_pick_device_prefers_cuda_then_mps_then_cpu"


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
