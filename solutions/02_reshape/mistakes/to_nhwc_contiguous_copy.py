"""Mistake: to_nhwc() returns x.permute(0, 2, 3, 1).contiguous().

Right values, but a full copy the caller did not ask for; permute alone is a view.
"""

CAUGHT_BY = "made a copy"
REJECTED_BY = "test_to_nhwc_moves_axes_as_a_view"


def to_nhwc(x):
    return x.permute(0, 2, 3, 1).contiguous()
