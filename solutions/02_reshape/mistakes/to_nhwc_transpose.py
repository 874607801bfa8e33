"""Mistake: to_nhwc() uses x.transpose(1, 3).

transpose swaps two axes, so (N, C, H, W) becomes (N, W, H, C): H and W trade places too.
"""

CAUGHT_BY = "transpose(1, 3)"


def to_nhwc(x):
    return x.transpose(1, 3)
