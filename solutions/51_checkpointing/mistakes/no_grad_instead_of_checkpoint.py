"""Mistake: "checkpointing" by running the segment under torch.no_grad().

no_grad saves no activations, but it also records no graph: there is nothing for backward
to recompute from, and the parameters inside get no gradient at all.
"""

import torch

CAUGHT_BY = "under torch.no_grad()"
REJECTED_BY = "test_checkpointed_equals_the_plain_value_and_gradients"


def checkpointed(fn, *inputs):
    with torch.no_grad():
        return fn(*inputs)
