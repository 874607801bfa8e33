"""Mistake: zero_column_() writes t[j] = 0, which is row j, not column j."""

CAUGHT_BY = "zeroed row"
REJECTED_BY = "test_zero_column_writes_in_place_and_views_see_it"


def zero_column_(t, j):
    if not 0 <= j < t.shape[1]:
        raise ValueError("column out of range")
    t[j] = 0
    return t
