"""Mistake: on exit, deterministic_mode() sets the defaults instead of the caller's values.

A caller who had deterministic algorithms on (or cudnn.benchmark on) finds them off after
the block.
"""

import os
from contextlib import contextmanager

import torch

CAUGHT_BY = "defaults set instead of the caller's values"
REJECTED_BY = "test_deterministic_mode_restores_previous_settings"


@contextmanager
def deterministic_mode():
    os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.deterministic = False
        torch.backends.cudnn.benchmark = False
        os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
