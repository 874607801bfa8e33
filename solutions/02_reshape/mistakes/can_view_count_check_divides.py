"""Mistake: can_view() checks the count with t.numel() % prod(known sizes) before asking view.

Division by the product of the sizes breaks when a size is 0: an empty tensor asked for
shape (2, 0) raises ZeroDivisionError instead of answering.
"""

import math

CAUGHT_BY = "raised ZeroDivisionError"
REJECTED_BY = "test_can_view_of_an_empty_tensor"


def can_view(t, shape):
    shape = tuple(shape)
    if shape.count(-1) > 1:
        raise ValueError(f"shape {shape} has more than one -1")
    known = math.prod(s for s in shape if s != -1)
    if t.numel() % known != 0 or (-1 not in shape and known != t.numel()):
        raise ValueError(f"shape {shape} cannot hold the {t.numel()} elements of t")
    try:
        t.view(shape)
    except RuntimeError:
        return False
    return True
