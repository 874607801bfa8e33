"""Mistake: torch.cuda.amp.GradScaler(), the pre-2.4 spelling.

It is deprecated (a FutureWarning), and it is a CUDA scaler: on a machine without CUDA it
disables itself, so it scales nothing and skips nothing.
"""

import torch

CAUGHT_BY = "torch.cuda.amp / torch.cpu.amp are deprecated"
REJECTED_BY = "test_make_scaler_is_enabled_for_the_device"


def make_scaler(device):
    return torch.cuda.amp.GradScaler()
