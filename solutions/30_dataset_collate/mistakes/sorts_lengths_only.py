"""Mistake: pad_collate returns the lengths sorted, longest first, the rows unsorted.

Ready for pack_padded_sequence(enforce_sorted=True), it seems; but lengths[i] is no longer
row i's length, so packing cuts rows short or reads padding as tokens.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "sorted on their own"
REJECTED_BY = "test_batch_order_is_kept_never_sorted_by_length"


def pad_collate(batch, pad_value=0):
    tokens, lengths, labels = solution.pad_collate(batch, pad_value)
    return tokens, lengths.sort(descending=True).values, labels
