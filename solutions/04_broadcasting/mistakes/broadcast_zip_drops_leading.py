"""Mistake: broadcast_shape() zips the reversed shapes without padding.

zip stops at the shorter shape, so the longer shape's leading dimensions disappear.
"""

CAUGHT_BY = "leading dimensions of the longer shape were lost"
REJECTED_BY = "test_broadcast_shape_agrees_with_torch"


def broadcast_shape(a, b):
    out = []
    for x, y in zip(reversed(a), reversed(b)):  # noqa: B905 (the mistake)
        if x != y and 1 not in (x, y):
            raise ValueError(f"shapes {a} and {b} do not broadcast")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))
