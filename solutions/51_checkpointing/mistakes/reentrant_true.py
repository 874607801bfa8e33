"""Mistake: checkpoint(..., use_reentrant=True).

The reentrant variant only builds a graph when some input requires grad: with a data batch
as input, the parameters inside get no gradient. It also fails under torch.autograd.grad.
"""

from torch.utils.checkpoint import checkpoint

CAUGHT_BY = "use_reentrant=True"
REJECTED_BY = "test_checkpointed_equals_the_plain_value_and_gradients"


def checkpointed(fn, *inputs):
    return checkpoint(fn, *inputs, use_reentrant=True)
