"""Mistake: the "rewrite" calls the planted loop.

Right values, but the number of torch calls grows with the batch: nothing was vectorised.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "Python loop over the rows"
REJECTED_BY = "test_rewrite_is_loop_free"

solution = solution_for(__file__)


def masked_row_means(x, lengths):
    if x.dim() != 2 or lengths.shape != (x.shape[0],):
        raise ValueError("x must be (N, T) and lengths (N,)")
    if bool(((lengths < 0) | (lengths > x.shape[1])).any()):
        raise ValueError("lengths out of range")
    return solution._masked_row_means_loop(x, lengths)
