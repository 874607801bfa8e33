"""Mistake: assign_() sets w.data = values.

w now points at values' storage: its dtype becomes values' dtype, and views of w taken
earlier (or an optimiser's state) still see the old memory.
"""

CAUGHT_BY = "w.data = values"
REJECTED_BY = "test_assign_writes_into_the_leaf"


def assign_(w, values):
    w.data = values
    return w
