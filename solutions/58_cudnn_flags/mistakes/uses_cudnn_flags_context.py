"""Mistake: torch.backends.cudnn.flags(deterministic=True, benchmark=False) as the block.

flags() sets every cuDNN setting it has, from its defaults when not given: enabled=False
among them, so cuDNN is switched off inside (deterministic because cuDNN is not used, and
slow).
"""

import contextlib

import torch

CAUGHT_BY = "turns cuDNN off"
REJECTED_BY = "test_deterministic_sets_the_flags_inside_and_restores_them"


@contextlib.contextmanager
def deterministic(*, warn_only=False):
    mode = torch.are_deterministic_algorithms_enabled()
    previous_warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    torch.use_deterministic_algorithms(True, warn_only=warn_only)
    try:
        with torch.backends.cudnn.flags(deterministic=True, benchmark=False):
            yield
    finally:
        torch.use_deterministic_algorithms(mode, warn_only=previous_warn_only)
