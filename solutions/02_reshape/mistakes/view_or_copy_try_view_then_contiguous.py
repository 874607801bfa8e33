"""Mistake: view_or_copy() tries t.view and falls back to t.contiguous().view on any error.

Right for every shape that fits, but a shape that cannot hold t's elements fails in the
fallback with view's RuntimeError instead of the ValueError the docstring promises.
"""

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_view_or_copy_raises_value_error_on_wrong_size"


def view_or_copy(t, shape):
    try:
        return t.view(shape), True
    except RuntimeError:
        return t.contiguous().view(shape), False
