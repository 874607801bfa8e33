"""Mistake: the gap as (F(x) - F(baseline)) - sum(attributions).

The magnitude is right and the sign is captum's opposite: thresholds and plots built on
the convergence delta read it backwards.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the sign: the gap is the attributions' sum MINUS"
REJECTED_BY = "test_completeness_gap_is_sum_minus_the_change"

solution = solution_for(__file__)


def completeness_gap(model, x, target, attributions, baseline=None):
    return -solution.completeness_gap(model, x, target, attributions, baseline)
