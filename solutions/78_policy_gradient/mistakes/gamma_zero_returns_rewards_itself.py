"""Mistake: a shortcut for gamma = 0 that returns the caller's rewards tensor itself.

The values are right, but the "new" returns share memory with the rewards: centring or
normalising the returns in place then rewrites the caller's rewards too.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "returned rewards itself"
REJECTED_BY = "test_returns_to_go_at_gamma_zero_and_one"

solution = solution_for(__file__)


def returns_to_go(rewards, gamma):
    if gamma == 0.0 and rewards.dim() > 0:
        return rewards
    return solution.returns_to_go(rewards, gamma)
