"""Mistake: deterministic_mode() restores the variable with os.environ[name] = saved, also
when saved is None (the variable was absent).

os.environ holds strings only: the assignment raises TypeError on exit, and the variable
stays set to ":4096:8".
"""

import os
from contextlib import contextmanager

import torch

CAUGHT_BY = "os.environ[...] = None"
REJECTED_BY = "test_deterministic_mode_restores_previous_settings"

_CUBLAS = "CUBLAS_WORKSPACE_CONFIG"


@contextmanager
def deterministic_mode():
    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    cublas = os.environ.get(_CUBLAS)
    try:
        os.environ[_CUBLAS] = ":4096:8"
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        yield
    finally:
        torch.use_deterministic_algorithms(enabled, warn_only=warn_only)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn
        os.environ[_CUBLAS] = cublas
