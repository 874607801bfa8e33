"""Mistake: pick_device() returns torch.device("cuda") unconditionally.

Fine on the author's GPU box; every tensor made with it fails on a laptop or a CPU CI runner.
"""

import torch

CAUGHT_BY = "a hard-coded 'cuda'"
REJECTED_BY = "test_pick_device_prefers_cuda_then_mps_then_cpu"


def pick_device():
    return torch.device("cuda")
