"""Mistake: pairwise_distances() sums the squared differences over dim 0, not the coordinates.

The (N, M, D) differences summed over N give (M, D): a sum over rows, not a distance.
"""

CAUGHT_BY = "summed over a row axis"
REJECTED_BY = "test_pairwise_distances_match_cdist"


def pairwise_distances(x, y):
    diff = x[:, None, :] - y[None, :, :]
    return diff.pow(2).sum(dim=0).sqrt()
