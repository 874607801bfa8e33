"""Mistake: logsumexp(x, dim=0) as the default, where the signature says dim=-1.

Called without dim, it reduces the first axis: for a (B, C) batch of logits that is a sum
over the batch, not over the classes.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the default of dim is not -1"
REJECTED_BY = "test_logsumexp_default_dim_is_the_last"


def logsumexp(x, dim=0):
    return solution.LogSumExp.apply(x, dim)
