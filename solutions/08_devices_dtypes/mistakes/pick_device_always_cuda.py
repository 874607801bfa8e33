"""Mistake: pick_device() returns torch.device("cuda") unconditionally.

Fine on the author's GPU box; every tensor made with it fails on a laptop or a CPU CI runner.
"""

import torch

CAUGHT_BY = "a hard-coded 'cuda'"


def pick_device():
    return torch.device("cuda")
