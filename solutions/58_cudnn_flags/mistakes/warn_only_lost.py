"""Mistake: restoring with torch.use_deterministic_algorithms(previous_mode) alone.

warn_only is a setting of its own, and use_deterministic_algorithms resets it to False
whenever it is not passed.
"""

import contextlib

import torch

CAUGHT_BY = "warn_only lost"
REJECTED_BY = "test_deterministic_sets_the_flags_inside_and_restores_them"


@contextlib.contextmanager
def deterministic(*, warn_only=False):
    mode = torch.are_deterministic_algorithms_enabled()
    before = (torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark)
    torch.use_deterministic_algorithms(True, warn_only=warn_only)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(mode)
        torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = before
