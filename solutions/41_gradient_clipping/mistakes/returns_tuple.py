"""Mistake: diagnose returns a tuple (vanishing, exploding) instead of the documented dict.

Callers index the result by name (result["exploding"]); a tuple breaks them.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "expected a dict"
REJECTED_BY = "test_diagnose_returns_two_lists_in_the_order_of_norms"

solution = solution_for(__file__)


def diagnose(norms, low, high):
    found = solution.diagnose(norms, low, high)
    return found["vanishing"], found["exploding"]
