"""Mistake: expert_out[experts, slot] with slot -1 for dropped assignments.

-1 is a valid Python index: it silently picks the last buffer row, so dropped tokens get
some other token's (or a padding row's) expert output.
"""

CAUGHT_BY = "slot -1 used as an index"
REJECTED_BY = "test_combine_equals_a_loop"


def combine(expert_out, experts, weights, slot):
    rows = expert_out[experts, slot]
    return (weights.unsqueeze(-1) * rows).sum(dim=1)
