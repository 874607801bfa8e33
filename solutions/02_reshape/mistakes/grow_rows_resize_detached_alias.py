"""Mistake: grow_rows() resizes x.detach(), taking it for a copy.

detach() shares x's storage: resize_ reallocates that shared storage, so the result is not
a private copy (and x's memory is changed under it).
"""

CAUGHT_BY = "detach() shares"
REJECTED_BY = "test_grow_rows_appends_zeros_and_leaves_x_alone"


def grow_rows(x, n):
    rows = x.shape[0]
    out = x.detach()
    out.resize_(rows + n, x.shape[1])
    out[rows:] = 0
    return out
