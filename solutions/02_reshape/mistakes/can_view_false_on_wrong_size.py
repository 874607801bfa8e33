"""Mistake: can_view() wraps t.view in try/except and returns False on any error.

A shape with the wrong number of elements is not "needs a copy": no copy can help, and the
contract asks for ValueError.
"""

CAUGHT_BY = "raise ValueError"


def can_view(t, shape):
    try:
        t.view(shape)
    except RuntimeError:
        return False
    return True
