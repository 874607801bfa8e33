"""Mistake: returns-to-go without the discount: a plain reversed cumulative sum.

gamma is ignored, so every future reward counts in full: the estimator has far more
variance on long episodes, and it optimises a different objective from the one asked.
"""

CAUGHT_BY = "not discounted"
REJECTED_BY = "test_returns_to_go_match_a_loop"


def returns_to_go(rewards, gamma):
    if not 0.0 <= gamma <= 1.0:
        raise ValueError("gamma must lie in [0, 1]")
    if rewards.dim() == 0:
        raise ValueError("rewards must have a time dimension")
    return rewards.flip(-1).cumsum(-1).flip(-1)
