"""Mistake: no shape check in reconstruction_loss.

A target of shape (B, 1) or (D,) broadcasts against the (B, D) reconstruction and gives a
number that compares the wrong values, without any error.
"""

CAUGHT_BY = "no shape check"
REJECTED_BY = "test_mismatched_shapes_raise_value_error"


def reconstruction_loss(reconstruction, target):
    return (reconstruction - target).pow(2).mean()
