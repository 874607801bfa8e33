"""Mistake: checkpoint(fn, *inputs) without use_reentrant.

torch 2.14 warns that use_reentrant must be passed explicitly, and then falls back to the
old reentrant variant (no torch.autograd.grad, no gradients when no input requires grad).
"""

from torch.utils.checkpoint import checkpoint

CAUGHT_BY = "forgetting to pass use_reentrant"
REJECTED_BY = "test_checkpointed_equals_the_plain_value_and_gradients"


def checkpointed(fn, *inputs):
    return checkpoint(fn, *inputs)
