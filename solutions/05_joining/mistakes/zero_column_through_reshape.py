"""Mistake: zero_column_() writes through t.reshape(-1)[j::M].

For a contiguous t reshape is a view and the write lands; for a transposed t it is a copy,
and t keeps its column.
"""

CAUGHT_BY = "t.reshape(-1)"
REJECTED_BY = "test_zero_column_writes_in_place_and_views_see_it"


def zero_column_(t, j):
    m = t.shape[1]
    if not 0 <= j < m:
        raise ValueError("column out of range")
    t.reshape(-1)[j::m] = 0
    return t
