"""Mistake: diagnose flags norm <= low and norm >= high.

The bounds are strict: a norm exactly at low or at high is neither vanishing nor exploding.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "exactly at a bound"
REJECTED_BY = "test_diagnose_bounds_are_strict"

solution = solution_for(__file__)


def diagnose(norms, low, high):
    solution.diagnose({}, low, high)  # the bound checks
    return {
        "vanishing": [n for n, v in norms.items() if v <= low],
        "exploding": [n for n, v in norms.items() if v >= high],
    }
