"""Mistake: "fixing" the reentrant variant with x.requires_grad_() on the caller's input.

It makes the parameters' gradients appear, but it changes the caller's tensor: x now
requires grad and collects a .grad nobody asked for.
"""

from torch.utils.checkpoint import checkpoint

CAUGHT_BY = "keep its requires_grad"
REJECTED_BY = "test_the_callers_input_is_untouched"


def checkpointed(fn, *inputs):
    for x in inputs:
        x.requires_grad_(True)
    return checkpoint(fn, *inputs, use_reentrant=True)
