"""Mistake: broadcast_shape() raises ValueError("shapes do not broadcast"), naming neither shape.

The docstring asks for a message that says which two shapes clash; this one leaves the
caller guessing.
"""

CAUGHT_BY = "does not name both shapes"
REJECTED_BY = "test_broadcast_shape_error_names_both_shapes"


def broadcast_shape(a, b):
    ndim = max(len(a), len(b))
    a = (1,) * (ndim - len(a)) + tuple(a)
    b = (1,) * (ndim - len(b)) + tuple(b)
    out = []
    for x, y in zip(a, b, strict=True):
        if x != y and x != 1 and y != 1:
            raise ValueError("shapes do not broadcast")
        out.append(y if x == 1 else x)
    return tuple(out)
