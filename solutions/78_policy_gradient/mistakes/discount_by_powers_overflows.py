"""Mistake: the loop-free shortcut G_t = gamma^(-t) * reversed cumsum of gamma^k r_k.

Exact in algebra, but gamma^k underflows to 0 and gamma^(-t) overflows to inf on a long
horizon: the returns become NaN.
"""

import torch

CAUGHT_BY = "underflows to 0"
REJECTED_BY = "test_returns_to_go_stay_finite_over_a_long_horizon"


def returns_to_go(rewards, gamma):
    if not 0.0 <= gamma <= 1.0:
        raise ValueError("gamma must lie in [0, 1]")
    if rewards.dim() == 0:
        raise ValueError("rewards must have a time dimension")
    if gamma == 0.0:
        return rewards.clone()
    t = torch.arange(rewards.shape[-1], device=rewards.device, dtype=rewards.dtype)
    powers = gamma**t
    return (powers * rewards).flip(-1).cumsum(-1).flip(-1) / powers
