"""Mistake: outer() calls op(a[None, :], b[:, None]).

The result is (M, N) holding op(a[j], b[i]): the axes are swapped.
"""

CAUGHT_BY = "out[i, j] is op(a[i], b[j])"
REJECTED_BY = "test_outer_matches_loop"


def outer(a, b, op):
    return op(a[None, :], b[:, None])
