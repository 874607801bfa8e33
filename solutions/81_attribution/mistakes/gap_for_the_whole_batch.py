"""Mistake: one completeness gap for the batch, the sums taken over all samples.

Errors of opposite sign in different samples cancel: a batch of badly converged
attributions can report a gap of zero.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "one number for the batch"
REJECTED_BY = "test_completeness_gap_is_sum_minus_the_change"

solution = solution_for(__file__)


def completeness_gap(model, x, target, attributions, baseline=None):
    return solution.completeness_gap(model, x, target, attributions, baseline).sum()
