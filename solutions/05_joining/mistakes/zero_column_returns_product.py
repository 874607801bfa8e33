"""Mistake: zero_column_() returns t[:, j] * 0.

That computes a new tensor of zeros and never writes into t: the in-place promise is broken.
"""

CAUGHT_BY = "never written into t"
REJECTED_BY = "test_zero_column_writes_in_place_and_views_see_it"


def zero_column_(t, j):
    if not 0 <= j < t.shape[1]:
        raise ValueError("column out of range")
    return t[:, j] * 0
