"""Mistake: bce that clips the probabilities into [1e-7, 1 - 1e-7] first (Keras's habit).

A confident mistake then costs -log(1e-7) = 16.1 instead of torch's 100: another loss.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "clip the probabilities into [eps, 1 - eps]"
REJECTED_BY = "test_bce_is_finite_at_probabilities_exactly_0_and_1"
solution = solution_for(__file__)


def bce(probs, target, reduction="mean"):
    return solution.bce(probs.clamp(1e-7, 1 - 1e-7), target, reduction)
