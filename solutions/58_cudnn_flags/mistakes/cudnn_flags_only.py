"""Mistake: only the two cuDNN flags, no torch.use_deterministic_algorithms(True).

cuDNN's flags cover convolutions; index_add, scatter_add, embedding backward and many more
CUDA kernels use atomic adds whose order changes from run to run.
"""

import contextlib

import torch

CAUGHT_BY = "torch.use_deterministic_algorithms(True) is missing"
REJECTED_BY = "test_deterministic_sets_the_flags_inside_and_restores_them"


@contextlib.contextmanager
def deterministic(*, warn_only=False):
    before = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = before
