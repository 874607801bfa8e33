"""Mistake: restoring torch's defaults on exit instead of the values found on entry.

A caller who had turned cudnn.benchmark on (or deterministic algorithms, or warn_only) finds
it off after the block; an outer block finds its own settings gone.
"""

import contextlib

import torch

CAUGHT_BY = "restoring torch's defaults"
REJECTED_BY = "test_deterministic_sets_the_flags_inside_and_restores_them"


@contextlib.contextmanager
def deterministic(*, warn_only=False):
    torch.use_deterministic_algorithms(True, warn_only=warn_only)
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(False)
        torch.backends.cudnn.deterministic = False
        torch.backends.cudnn.benchmark = False
