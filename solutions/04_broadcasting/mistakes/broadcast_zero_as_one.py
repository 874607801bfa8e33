"""Mistake: broadcast_shape() treats a size of 0 like 1 (it checks min(x, y) <= 1).

Only 1 stretches: 0 against 3 does not broadcast, but this returns 3 for it.
"""

CAUGHT_BY = "only 1 stretches"
REJECTED_BY = "test_broadcast_shape_zero_clashes_with_sizes_above_one"


def broadcast_shape(a, b):
    ndim = max(len(a), len(b))
    a = (1,) * (ndim - len(a)) + tuple(a)
    b = (1,) * (ndim - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y and min(x, y) > 1:
            raise ValueError(f"shapes {a} and {b} do not broadcast")
        out.append(y if x == 1 else x if y == 1 else max(x, y))
    return tuple(out)
