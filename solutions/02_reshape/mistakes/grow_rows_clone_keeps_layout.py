"""Mistake: grow_rows() resizes x.detach().clone(), whose layout follows x.

clone() preserves a transposed x's strides, and resize_ reinterprets the storage in memory
order, so the rows of a transposed x come out scrambled.
"""

CAUGHT_BY = "memory order"
REJECTED_BY = "test_grow_rows_of_transposed_view"


def grow_rows(x, n):
    rows = x.shape[0]
    out = x.detach().clone()
    out.resize_(rows + n, x.shape[1])
    out[rows:] = 0
    return out
