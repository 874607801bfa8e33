"""Mistake: on exit, deterministic_mode() restores the flag but not its warn_only.

torch.use_deterministic_algorithms(enabled) sets warn_only=False: a caller who had
warn_only=True now gets errors where they had warnings.
"""

import os
from contextlib import contextmanager

import torch

CAUGHT_BY = "without warn_only="
REJECTED_BY = "test_deterministic_mode_restores_previous_settings"


@contextmanager
def deterministic_mode():
    enabled = torch.are_deterministic_algorithms_enabled()
    cudnn = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    cublas = os.environ.get("CUBLAS_WORKSPACE_CONFIG")
    try:
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        yield
    finally:
        torch.use_deterministic_algorithms(enabled)  # warn_only back to False
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = cudnn
        if cublas is None:
            os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
        else:
            os.environ["CUBLAS_WORKSPACE_CONFIG"] = cublas
