"""Mistake: broadcast_shape() takes max() of each aligned pair and never checks compatibility.

(5,) and (3,) then "broadcast" to (5,), and (1,) against (0,) gives 1 instead of 0.
"""

CAUGHT_BY = "max()"
REJECTED_BY = "test_broadcast_shape_agrees_with_torch"


def broadcast_shape(a, b):
    ndim = max(len(a), len(b))
    a = (1,) * (ndim - len(a)) + tuple(a)
    b = (1,) * (ndim - len(b)) + tuple(b)
    return tuple(max(x, y) for x, y in zip(a, b, strict=True))
