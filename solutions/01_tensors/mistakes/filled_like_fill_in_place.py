"""Mistake: filled_like() returns t.fill_(value).

fill_ writes into the caller's t and returns it: the right values, in the wrong tensor.
"""

CAUGHT_BY = "changed the caller's t"
REJECTED_BY = "test_filled_like_keeps_dtype_and_device"


def filled_like(t, value):
    return t.fill_(value)
