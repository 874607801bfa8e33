"""Mistake: pick_device() checks CUDA and falls back to the CPU, never trying MPS."""

import torch

CAUGHT_BY = "a missing check"


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
