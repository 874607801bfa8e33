"""Mistake: flatten_nhwc() is x.transpose(1, 3).reshape(N, -1).

transpose(1, 3) moves C last but swaps H and W as well: the pixels are listed column by
column, (N, W, H, C), not row by row.
"""

CAUGHT_BY = "transpose(1, 3) before flattening"
REJECTED_BY = "test_flatten_nhwc_orders_channels_last"


def flatten_nhwc(x):
    return x.transpose(1, 3).reshape(x.shape[0], -1)
