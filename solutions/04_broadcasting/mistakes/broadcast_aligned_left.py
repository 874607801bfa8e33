"""Mistake: broadcast_shape() pads the shorter shape with 1s at the end (aligns at the left).

Broadcasting aligns trailing dimensions: (3,) against (2, 3) pairs 3 with 3, not with 2.
"""

CAUGHT_BY = "aligning the shapes at the left"
REJECTED_BY = "test_broadcast_shape_agrees_with_torch"


def broadcast_shape(a, b):
    ndim = max(len(a), len(b))
    a = tuple(a) + (1,) * (ndim - len(a))
    b = tuple(b) + (1,) * (ndim - len(b))
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y and 1 not in (x, y):
            raise ValueError(f"shapes {a} and {b} do not broadcast")
        out.append(y if x == 1 else x)
    return tuple(out)
