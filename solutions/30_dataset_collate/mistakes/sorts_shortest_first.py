"""Mistake: pad_collate sorts the batch by length, shortest first.

The padding is right, but row i is no longer item i: the sampler's order is lost.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "sorted by length, shortest first"
REJECTED_BY = "test_batch_order_is_kept_never_sorted_by_length"


def pad_collate(batch, pad_value=0):
    return solution.pad_collate(sorted(batch, key=lambda item: len(item[0])), pad_value)
