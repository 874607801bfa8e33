"""Mistake: pad_collate sorts the batch by length, longest first, and returns it sorted.

Sorting is what pack_padded_sequence(enforce_sorted=True) wants, but row i no longer holds
item i: the caller's order (and the sampler's) is lost.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "batch order was not kept"
REJECTED_BY = "test_rows_are_right_padded_with_pad_value"


def pad_collate(batch, pad_value=0):
    batch = sorted(batch, key=lambda item: len(item[0]), reverse=True)
    return solution.pad_collate(batch, pad_value)
