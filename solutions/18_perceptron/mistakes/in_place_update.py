"""Mistake: w += y * x and b += y on the tensors passed in.

The returned values are right, but the caller's w and b changed under them.
"""

CAUGHT_BY = "modifies the caller's tensor in place"
REJECTED_BY = "test_update_leaves_callers_tensors_alone"


def perceptron_update(w, b, x, y):
    if y * (w @ x + b) <= 0:
        w += y * x
        b += y
    return w, b
