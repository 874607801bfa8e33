"""Mistake: to_nhwc() uses x.transpose(1, 3).

transpose swaps two axes, so (N, C, H, W) becomes (N, W, H, C): H and W trade places too.
"""

CAUGHT_BY = "transpose(1, 3)"
REJECTED_BY = "test_to_nhwc_moves_axes_as_a_view"


def to_nhwc(x):
    return x.transpose(1, 3)
