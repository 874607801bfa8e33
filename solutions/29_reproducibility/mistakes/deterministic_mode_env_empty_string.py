"""Mistake: deterministic_mode() saves os.environ.get("CUBLAS_WORKSPACE_CONFIG", "") and
puts that back on exit.

When the variable was absent, the caller now has it set to the empty string, which is not
its absence (code that tests `name in os.environ` sees it set).
"""

import os
from contextlib import contextmanager

import torch

CAUGHT_BY = "an empty string is not the absence"
REJECTED_BY = "test_deterministic_mode_restores_previous_settings"

_CUBLAS = "CUBLAS_WORKSPACE_CONFIG"


@contextmanager
def deterministic_mode():
    enabled = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    cudnn = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    cublas = os.environ.get(_CUBLAS, "")
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
