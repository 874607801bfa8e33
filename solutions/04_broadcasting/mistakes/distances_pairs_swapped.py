"""Mistake: pairwise_distances() subtracts x[None] - y[:, None].

That pairs y's rows along the first axis: the result is (M, N), the transpose.
"""

CAUGHT_BY = "gives shape (M, N)"
REJECTED_BY = "test_pairwise_distances_match_cdist"


def pairwise_distances(x, y):
    return ((x[None, :, :] - y[:, None, :]) ** 2).sum(-1).sqrt()
