"""Mistake: every step of an episode is weighted by the whole episode's return G_0.

That is the textbook REINFORCE before causality: unbiased, but noisier, since an action
is credited with rewards that came before it; and it is not the documented return-to-go.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "episode's discounted return G_0 used at every step"
REJECTED_BY = "test_returns_to_go_match_a_loop"

solution = solution_for(__file__)


def returns_to_go(rewards, gamma):
    returns = solution.returns_to_go(rewards, gamma)
    return returns[..., :1].expand_as(rewards).clone()
