"""Mistake: flatten_nhwc() is x.permute(0, 2, 3, 1).view(N, -1).

The permuted tensor is not contiguous, and view cannot merge its dimensions: it raises.
"""

CAUGHT_BY = "view() cannot serve a permuted"
REJECTED_BY = "test_flatten_nhwc_orders_channels_last"


def flatten_nhwc(x):
    return x.permute(0, 2, 3, 1).view(x.shape[0], -1)
