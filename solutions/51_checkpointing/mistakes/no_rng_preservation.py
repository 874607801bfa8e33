"""Mistake: checkpoint(..., preserve_rng_state=False) "to save time".

The recomputed forward in backward draws new dropout masks, so the gradients belong to a
different network than the one that produced the loss.
"""

from torch.utils.checkpoint import checkpoint

CAUGHT_BY = "preserve_rng_state=True"
REJECTED_BY = "test_dropout_draws_the_same_mask_when_recomputed"


def checkpointed(fn, *inputs):
    return checkpoint(fn, *inputs, use_reentrant=False, preserve_rng_state=False)
