"""Mistake: each row divided by its norm without F.normalize's eps.

A dead embedding (all zeros) gives 0 / 0 = NaN, and the NaN spreads through the whole
batch's loss.
"""

CAUGHT_BY = "0 / 0 = NaN"
REJECTED_BY = "test_cosine_similarity_matrix_handles_zero_rows_and_views"


def cosine_similarity_matrix(z):
    unit = z / z.norm(dim=1, keepdim=True)
    return unit @ unit.T
