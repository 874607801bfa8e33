"""Mistake: zero_column_() writes t[:, j] = 0 without checking j.

A negative j silently zeros a column counted from the end; past the end torch raises
IndexError, not the documented ValueError.
"""

CAUGHT_BY = "no range check on j"
REJECTED_BY = "test_zero_column_rejects_columns_out_of_range"


def zero_column_(t, j):
    t[:, j] = 0
    return t
