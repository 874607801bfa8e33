"""Mistake: capacity = ceil(capacity_factor * T / E), without the k factor.

With top-2 routing there are 2T assignments: each expert gets half the room it needs and
far more tokens are dropped than the capacity factor promises.
"""

import math

CAUGHT_BY = "without the k factor"
REJECTED_BY = "test_expert_capacity_equals_the_formula"


def expert_capacity(num_tokens, num_experts, k, capacity_factor):
    if num_tokens < 1 or num_experts < 1 or not 1 <= k <= num_experts or capacity_factor <= 0:
        raise ValueError("bad arguments")
    return math.ceil(capacity_factor * num_tokens / num_experts)
