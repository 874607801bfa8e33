"""Mistake: pairwise_distances() returns squared distances (the sqrt is missing)."""

CAUGHT_BY = "squared distances"
REJECTED_BY = "test_pairwise_distances_match_cdist"


def pairwise_distances(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
