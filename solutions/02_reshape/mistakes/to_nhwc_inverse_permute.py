"""Mistake: to_nhwc() is x.permute(0, 3, 1, 2), the NHWC-to-NCHW permutation.

permute's arguments list, for each output axis, which input axis goes there; (0, 3, 1, 2)
is the inverse, and gives (N, W, C, H) for an NCHW x.
"""

CAUGHT_BY = "the inverse permutation"
REJECTED_BY = "test_to_nhwc_moves_axes_as_a_view"


def to_nhwc(x):
    return x.permute(0, 3, 1, 2)
