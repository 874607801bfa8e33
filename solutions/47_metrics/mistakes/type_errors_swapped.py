"""Mistake: (false negatives, false positives) returned as (type I, type II).

Type I is rejecting a true null: a false positive (a false alarm). Type II is missing a
real effect: a false negative. Swapped, a "low type I rate" means the opposite.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "type I and type II swapped"
REJECTED_BY = "test_type_errors_small_example"

solution = solution_for(__file__)


def type_errors(y_true, y_pred):
    false_positives, false_negatives = solution.type_errors(y_true, y_pred)
    return false_negatives, false_positives
