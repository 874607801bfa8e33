"""Mistake: deterministic_mode() catches exceptions around its yield to restore the settings.

The settings come back, but the caller's error vanishes: a failing training step inside
the block looks like a success.
"""

import os
from contextlib import contextmanager

import torch

CAUGHT_BY = "swallowed it"
REJECTED_BY = "test_deterministic_mode_restores_after_an_exception"


@contextmanager
def deterministic_mode():
    saved = (
        torch.are_deterministic_algorithms_enabled(),
        torch.is_deterministic_algorithms_warn_only_enabled(),
        torch.backends.cudnn.deterministic,
        torch.backends.cudnn.benchmark,
        os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
    )
    os.environ["CUBLAS_WORKSPACE_CONFIG"] = ":4096:8"
    torch.use_deterministic_algorithms(True)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        yield
    except Exception:
        pass  # "restore in every case"
    torch.use_deterministic_algorithms(saved[0], warn_only=saved[1])
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved[2:4]
    if saved[4] is None:
        os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
    else:
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = saved[4]
