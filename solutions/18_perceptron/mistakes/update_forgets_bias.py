"""Mistake: the update moves w but returns b unchanged.

The boundary can then only rotate about the origin: b is a weight on a constant input of
1, and the rule updates it like any other weight (b + y).
"""

CAUGHT_BY = "the update moves b too"
REJECTED_BY = "test_update_rule_exact"


def perceptron_update(w, b, x, y):
    if y * (w @ x + b) <= 0:
        return w + y * x, b
    return w, b
