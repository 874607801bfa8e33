"""Mistake: crop_time() slices x[:, start:length], using the length as the end index."""

CAUGHT_BY = "length as the end index"
REJECTED_BY = "test_crop_time_is_a_view_of_the_right_steps"


def crop_time(x, start, length):
    if start < 0 or length < 0 or start + length > x.shape[1]:
        raise ValueError("out of range")
    return x[:, start:length]
