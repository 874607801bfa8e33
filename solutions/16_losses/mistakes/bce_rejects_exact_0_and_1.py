"""Mistake: bce whose range check also refuses probabilities of exactly 0 and 1.

[0, 1] is closed: a float32 sigmoid reaches both ends (sigmoid(20) is 1.0), and torch's
BCELoss accepts them, clamping the log instead.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "probabilities of exactly 0 or 1 are legal"
REJECTED_BY = "test_bce_is_finite_at_probabilities_exactly_0_and_1"
solution = solution_for(__file__)


def bce(probs, target, reduction="mean"):
    if bool(((probs <= 0) | (probs >= 1)).any()):
        raise ValueError("probabilities must lie strictly between 0 and 1")
    return solution.bce(probs, target, reduction)
