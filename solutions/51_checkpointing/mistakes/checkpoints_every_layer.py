"""Mistake: one checkpoint per layer inside the checkpointed segments.

Every layer's input is saved, not only each segment's: more memory kept, which is what
segments exist to avoid.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "checkpointing every layer separately"
REJECTED_BY = "test_checkpoint_in_segments_matches_checkpoint_sequential"

solution = solution_for(__file__)


def checkpoint_in_segments(layers, x, segments):
    layers = list(layers)
    bounds = solution.segment_bounds(len(layers), segments)
    for start, stop in bounds[:-1]:
        for layer in layers[start:stop]:
            x = solution.checkpointed(layer, x)
    start, stop = bounds[-1]
    for layer in layers[start:stop]:
        x = layer(x)
    return x
