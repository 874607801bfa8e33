"""Mistake: outer() ends with .squeeze(), "to tidy up".

When N or M is 1 that drops a dimension of the (N, M) result.
"""

CAUGHT_BY = "squeeze()"
REJECTED_BY = "test_outer_of_length_one_and_empty_vectors"


def outer(a, b, op):
    return op(a[:, None], b[None, :]).squeeze()
