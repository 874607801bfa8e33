"""Mistake: fan_in taken from weight.shape[0], as if the weight were (in, out).

nn.Linear stores its weight as (out_features, in_features): the fans come out swapped.
"""

import math

CAUGHT_BY = "fans swapped"
REJECTED_BY = "test_fans_match_torch"


def fan_in_and_fan_out(weight):
    if weight.dim() < 2:
        raise ValueError("need at least 2 dimensions")
    field = math.prod(weight.shape[2:])
    return weight.shape[0] * field, weight.shape[1] * field
