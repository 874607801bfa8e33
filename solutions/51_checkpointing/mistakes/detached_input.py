"""Mistake: detaching the input before checkpointing it.

The checkpointed part is cut off from what came before: its parameters still get
gradients, but the input (and every layer before it) gets none.
"""

from torch.utils.checkpoint import checkpoint

CAUGHT_BY = "was detached before checkpoint"
REJECTED_BY = "test_checkpointed_equals_the_plain_value_and_gradients"


def checkpointed(fn, *inputs):
    return checkpoint(fn, *(x.detach() for x in inputs), use_reentrant=False)
