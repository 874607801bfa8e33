"""Mistake: can_view() catches only view's stride error and lets a wrong size through.

With no element-count check of its own, a shape that cannot hold t's elements raises view's
RuntimeError ("shape ... is invalid for input of size ..."), not the ValueError promised.
"""

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_can_view_raises_value_error_on_wrong_size"


def can_view(t, shape):
    try:
        t.view(shape)
    except RuntimeError as err:
        if "view size is not compatible" in str(err):
            return False
        raise
    return True
