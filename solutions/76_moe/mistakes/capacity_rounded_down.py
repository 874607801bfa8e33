"""Mistake: int(capacity_factor * T * k / E), rounding the capacity down.

The capacity must cover the fractional share: rounding down drops assignments even at a
capacity factor of 1 whenever T * k is not a multiple of E.
"""

CAUGHT_BY = "rounded down"
REJECTED_BY = "test_expert_capacity_equals_the_formula"


def expert_capacity(num_tokens, num_experts, k, capacity_factor):
    if num_tokens < 1 or num_experts < 1 or not 1 <= k <= num_experts or capacity_factor <= 0:
        raise ValueError("bad arguments")
    return int(capacity_factor * num_tokens * k / num_experts)
