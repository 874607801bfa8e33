"""Mistake: zero_init_residual() swaps the storage with bn2.weight.data = torch.zeros(...).

The Parameter object stays, but its memory is replaced rather than zeroed in place: views
of the old storage (and anything aliasing it) keep the old values. .data also bypasses
autograd's checks; zero_() under torch.no_grad() is the supported way.
"""

import torch

CAUGHT_BY = "has new storage"
REJECTED_BY = "test_zero_init_identity_block_is_exactly_relu"


def zero_init_residual(block):
    block.bn2.weight.data = torch.zeros_like(block.bn2.weight)
