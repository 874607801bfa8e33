"""Mistake: deterministic_mode() switches everything on and never switches it back.

torch.use_deterministic_algorithms is process-wide: every later test or library call runs
(slower, or raising) in deterministic mode.
"""

import os
from contextlib import contextmanager

import torch

CAUGHT_BY = "did not restore"
REJECTED_BY = "test_deterministic_mode_restores_previous_settings"


@contextmanager
def deterministic_mode():
    os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    yield
