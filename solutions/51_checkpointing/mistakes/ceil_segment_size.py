"""Mistake: segments of ceil(n_layers / segments) layers.

checkpoint_sequential uses floor division and gives the remainder to the last segment;
rounding up moves every boundary (and can leave the last segment empty).
"""

import math

CAUGHT_BY = "(floor, not ceil)"
REJECTED_BY = "test_segment_bounds_split_as_checkpoint_sequential_does"


def segment_bounds(n_layers, segments):
    if segments < 1 or segments > n_layers:
        raise ValueError("need 1 <= segments <= n_layers")
    size = math.ceil(n_layers / segments)
    bounds = [(i * size, min((i + 1) * size, n_layers)) for i in range(segments - 1)]
    bounds.append((min((segments - 1) * size, n_layers), n_layers))
    return bounds
