"""Mistake: broadcast_shape() just calls torch.broadcast_shapes.

The kata asks for the rules themselves; the tests forbid the shortcut.
"""

import torch

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_broadcast_shape_agrees_with_torch"


def broadcast_shape(a, b):
    return tuple(torch.broadcast_shapes(a, b))
