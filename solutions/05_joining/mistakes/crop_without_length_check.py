"""Mistake: crop_time() checks start and start + length, but not a negative length.

x[:, 2:1] is silently empty, so crop_time(x, 2, -1) returns no steps instead of raising.
"""

CAUGHT_BY = "negative length"
REJECTED_BY = "test_crop_time_rejects_out_of_range"


def crop_time(x, start, length):
    if start < 0 or start + length > x.shape[1]:
        raise ValueError("out of range")
    return x[:, start : start + length]
