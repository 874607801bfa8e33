"""Mistake: flatten_nhwc() is x.reshape(N, -1), with no permute.

reshape keeps the elements' order, so each row lists channel 0's pixels first (C-major),
not each pixel's channels.
"""

CAUGHT_BY = "reshape/view never move elements"
REJECTED_BY = "test_flatten_nhwc_orders_channels_last"


def flatten_nhwc(x):
    return x.reshape(x.shape[0], -1)
