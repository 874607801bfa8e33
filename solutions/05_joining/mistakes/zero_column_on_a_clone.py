"""Mistake: zero_column_() clones t "to be safe", then writes the zeros into the clone."""

CAUGHT_BY = "into a copy"
REJECTED_BY = "test_zero_column_writes_in_place_and_views_see_it"


def zero_column_(t, j):
    if not 0 <= j < t.shape[1]:
        raise ValueError("column out of range")
    t = t.clone()
    t[:, j] = 0
    return t
