"""Mistake: crop_time() raises when start + length >= T (an off-by-one check).

The end index start + length is exclusive: a crop that ends at the last step has
start + length == T, which is in range.
"""

CAUGHT_BY = "off-by-one"
REJECTED_BY = "test_crop_time_accepts_crops_at_the_bounds"


def crop_time(x, start, length):
    if start < 0 or length < 0 or start + length >= x.shape[1]:
        raise ValueError("out of range")
    return x.narrow(1, start, length)
