"""Mistake: pairwise_distances() returns squared distances (the sqrt is missing)."""

CAUGHT_BY = "squared distances"


def pairwise_distances(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
