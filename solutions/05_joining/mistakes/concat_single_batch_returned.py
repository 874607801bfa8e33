"""Mistake: concat_batches() returns batches[0] itself when there is only one batch.

"Nothing to join" is not "nothing to copy": the docstring promises a new tensor, and the
caller's batch now changes when the result is written to.
"""

import torch

CAUGHT_BY = "shortcut for a single batch"
REJECTED_BY = "test_concat_batches_copies_one_batch_and_keeps_empty_ones"


def concat_batches(batches):
    if not batches:
        raise ValueError("empty")
    if len(batches) == 1:
        return batches[0]
    return torch.cat(batches, dim=0)
