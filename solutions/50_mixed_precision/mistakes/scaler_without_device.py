"""Mistake: torch.amp.GradScaler() without the device type.

Its device defaults to "cuda". On a GPU machine that happens to work; on a CPU-only one the
scaler disables itself with a warning and checks nothing.
"""

import torch

CAUGHT_BY = "defaults to device 'cuda'"
REJECTED_BY = "test_make_scaler_is_enabled_for_the_device"


def make_scaler(device):
    return torch.amp.GradScaler()
