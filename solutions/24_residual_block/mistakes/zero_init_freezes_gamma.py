"""Mistake: zero_init_residual zeroes bn2.weight with requires_grad_(False) first.

Turning grad off to write into a Parameter freezes it for good: gamma stays at zero, the
main path never contributes, and the block is relu(x) forever.
"""

CAUGHT_BY = "changed requires_grad"
REJECTED_BY = "test_zero_init_identity_block_is_exactly_relu"


def zero_init_residual(block):
    block.bn2.weight.requires_grad_(False)
    block.bn2.weight.zero_()
