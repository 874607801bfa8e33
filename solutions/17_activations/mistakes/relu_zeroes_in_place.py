"""Mistake: relu that zeroes the negatives of x in place and returns x.

Right values, but the caller's tensor is overwritten, and on a tensor that requires grad
(any activation inside a network) the in-place write raises.
"""

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_activations_leave_the_callers_tensor_alone"


def relu(x):
    x[x <= 0] = 0
    return x
