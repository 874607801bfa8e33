"""Mistake: the returns are accumulated into the caller's rewards tensor.

The answer is right, and the caller's rewards are gone: logging or a second loss computed
from them afterwards uses returns instead.
"""

CAUGHT_BY = "the caller's rewards were changed in place"
REJECTED_BY = "test_returns_to_go_of_unusual_inputs"


def returns_to_go(rewards, gamma):
    if not 0.0 <= gamma <= 1.0:
        raise ValueError("gamma must lie in [0, 1]")
    if rewards.dim() == 0:
        raise ValueError("rewards must have a time dimension")
    for t in range(rewards.shape[-1] - 2, -1, -1):
        rewards[..., t] += gamma * rewards[..., t + 1]
    return rewards.clone()
