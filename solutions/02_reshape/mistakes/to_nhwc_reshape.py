"""Mistake: to_nhwc() is x.reshape(N, H, W, C).

The shape is right and, for a contiguous x, it is even a view; but reshape regroups memory
in order, it never moves an axis, so out[n, h, w, c] is not x[n, c, h, w].
"""

CAUGHT_BY = "they regroup memory, never move axes"
REJECTED_BY = "test_to_nhwc_moves_axes_as_a_view"


def to_nhwc(x):
    n, c, h, w = x.shape
    return x.reshape(n, h, w, c)
