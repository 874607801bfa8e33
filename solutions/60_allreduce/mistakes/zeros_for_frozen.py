"""Mistake: every parameter gets a zero gradient when .grad is None, frozen ones too.

A parameter with requires_grad=False should keep .grad None, as under DDP: an optimizer
with weight decay or momentum would otherwise still move a zero-gradient tensor it sees.
"""

import torch
import torch.distributed as dist

CAUGHT_BY = "do not require grad"
REJECTED_BY = "test_averaged_gradients_equal_ddps"


def average_gradients(module):
    for p in module.parameters():
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        dist.all_reduce(p.grad)
        p.grad /= dist.get_world_size()
