"""Mistake: checkpointing the last segment too.

Backward starts with the last segment, so it would be recomputed immediately: extra work
for no memory saved. checkpoint_sequential runs the last segment plainly.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "checkpointing the last segment too"
REJECTED_BY = "test_checkpoint_in_segments_matches_checkpoint_sequential"

solution = solution_for(__file__)


def checkpoint_in_segments(layers, x, segments):
    layers = list(layers)
    for start, stop in solution.segment_bounds(len(layers), segments):
        x = solution.checkpointed(solution._run(layers, start, stop), x)
    return x
