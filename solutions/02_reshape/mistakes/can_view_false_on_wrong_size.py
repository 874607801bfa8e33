"""Mistake: can_view() wraps t.view in try/except and returns False on any error.

A shape with the wrong number of elements is not "needs a copy": no copy can help, and the
contract asks for ValueError.
"""

CAUGHT_BY = "raise ValueError"
REJECTED_BY = "test_can_view_raises_value_error_on_wrong_size"


def can_view(t, shape):
    try:
        t.view(shape)
    except RuntimeError:
        return False
    return True
