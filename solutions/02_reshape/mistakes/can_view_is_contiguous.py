"""Mistake: can_view() answers t.is_contiguous().

Contiguity is sufficient but not necessary: a transposed matrix can be viewed as its own
shape, and a dimension of a strided tensor can be split, without any copy.
"""

import math

CAUGHT_BY = "deciding by is_contiguous()"
REJECTED_BY = "test_can_view_agrees_with_view"


def can_view(t, shape):
    if -1 not in shape and t.numel() != math.prod(shape):
        raise ValueError("wrong number of elements")
    return t.is_contiguous()
