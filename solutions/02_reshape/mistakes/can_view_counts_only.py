"""Mistake: can_view() answers True whenever the element counts match.

Matching counts make reshape possible, not view: a transposed matrix cannot be flattened
without a copy.
"""

import math

CAUGHT_BY = "from the element count"
REJECTED_BY = "test_can_view_agrees_with_view"


def can_view(t, shape):
    shape = tuple(shape)
    known = math.prod(s for s in shape if s != -1)
    if shape.count(-1) > 1 or (-1 in shape and (known == 0 or t.numel() % known)):
        raise ValueError("shape cannot hold t's elements")
    if -1 not in shape and known != t.numel():
        raise ValueError("shape cannot hold t's elements")
    return True
