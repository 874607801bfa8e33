"""Mistake: updating only when y * (w @ x + b) < 0, not <= 0.

From w = 0 every margin is exactly 0, so the perceptron never makes its first update and
"converges" at once with w = 0.
"""

CAUGHT_BY = "margin of exactly 0"
REJECTED_BY = "test_update_rule_exact"


def perceptron_update(w, b, x, y):
    if y * (w @ x + b) < 0:
        return w + y * x, b + y
    return w, b
