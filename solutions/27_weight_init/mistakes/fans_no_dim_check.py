"""Mistake: fan_in_and_fan_out reads weight.shape[1] without checking the dimensions.

A bias (1-D) or a scalar has no fans; without the check it fails with an IndexError deep
inside, instead of the documented ValueError that says what is wrong.
"""

import math

CAUGHT_BY = "no check of weight.dim() < 2"
REJECTED_BY = "test_fans_reject_fewer_than_two_dimensions"


def fan_in_and_fan_out(weight):
    field = math.prod(weight.shape[2:])
    return weight.shape[1] * field, weight.shape[0] * field
