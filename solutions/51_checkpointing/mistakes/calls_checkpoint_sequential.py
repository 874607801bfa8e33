"""Mistake: calling torch.utils.checkpoint.checkpoint_sequential instead of writing it.

The answer is right, but the task is to build it from checkpoint() calls.
"""

from torch.utils.checkpoint import checkpoint_sequential

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_checkpoint_in_segments_matches_checkpoint_sequential"


def checkpoint_in_segments(layers, x, segments):
    return checkpoint_sequential(list(layers), segments, x, use_reentrant=False)
