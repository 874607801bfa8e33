"""Mistake: outer() calls op(a[None, :], b[:, None]).

The result is (M, N) holding op(a[j], b[i]): the axes are swapped.
"""

CAUGHT_BY = "out[i, j] is op(a[i], b[j])"


def outer(a, b, op):
    return op(a[None, :], b[:, None])
