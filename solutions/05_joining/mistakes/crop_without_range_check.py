"""Mistake: crop_time() slices x[:, start:start + length] with no range check.

Slicing past the end silently returns fewer steps, and a negative start counts from the end.
"""

CAUGHT_BY = "no range check"
REJECTED_BY = "test_crop_time_rejects_out_of_range"


def crop_time(x, start, length):
    return x[:, start : start + length]
