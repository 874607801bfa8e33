"""Mistake: to_nhwc() returns x.permute(0, 2, 3, 1).contiguous().

Right values, but a full copy the caller did not ask for; permute alone is a view.
"""

CAUGHT_BY = "made a copy"


def to_nhwc(x):
    return x.permute(0, 2, 3, 1).contiguous()
