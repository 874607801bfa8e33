"""Mistake: grow_rows() resizes x.detach().contiguous(), taking contiguous() for a copy.

contiguous() copies only a non-contiguous tensor; an already contiguous x comes back as
itself, so resize_ reallocates the storage x shares and the result is no private copy.
"""

CAUGHT_BY = "x.contiguous() (which returns x itself"
REJECTED_BY = "test_grow_rows_appends_zeros_and_leaves_x_alone"


def grow_rows(x, n):
    rows = x.shape[0]
    out = x.detach().contiguous()
    out.resize_(rows + n, x.shape[1])
    out[rows:] = 0
    return out
