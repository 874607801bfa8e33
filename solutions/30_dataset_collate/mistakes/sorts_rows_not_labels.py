"""Mistake: pad_collate sorts tokens and lengths by length (lengths.sort, then tokens[perm])
but builds the labels in the batch's order.

The rows and their lengths still agree, but row i is no longer item i, and its label now
belongs to another item: the model trains on shuffled labels.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the labels stayed in batch order"
REJECTED_BY = "test_batch_order_is_kept_never_sorted_by_length"


def pad_collate(batch, pad_value=0):
    tokens, lengths, labels = solution.pad_collate(batch, pad_value)
    lengths, perm = lengths.sort(descending=True)  # for pack_padded_sequence
    return tokens[perm], lengths, labels
