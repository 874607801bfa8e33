"""Mistake: the discounted running sum taken from the first step forwards.

G_t then sums the rewards received BEFORE t, which the action at t cannot have caused:
credit goes to the wrong actions.
"""

import torch

CAUGHT_BY = "discounting in the wrong direction"
REJECTED_BY = "test_returns_to_go_match_a_loop"


def returns_to_go(rewards, gamma):
    if not 0.0 <= gamma <= 1.0:
        raise ValueError("gamma must lie in [0, 1]")
    if rewards.dim() == 0:
        raise ValueError("rewards must have a time dimension")
    returns = torch.empty_like(rewards)
    running = torch.zeros_like(rewards[..., 0])
    for t in range(rewards.shape[-1]):
        running = rewards[..., t] + gamma * running
        returns[..., t] = running
    return returns
