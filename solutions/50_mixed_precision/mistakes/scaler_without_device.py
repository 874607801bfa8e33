"""Mistake: torch.amp.GradScaler() without the device type.

Its device defaults to "cuda". On a GPU machine that happens to work; on a CPU-only one the
scaler disables itself with a warning and checks nothing.
"""

import torch

CAUGHT_BY = "defaults to device 'cuda'"


def make_scaler(device):
    return torch.amp.GradScaler()
