"""Mistake: all_reduce(p.grad) with SUM and no division by the world size.

Every rank then steps with the sum of the ranks' gradients, world_size times DDP's mean:
the same as multiplying the learning rate by the number of ranks.
"""

import torch
import torch.distributed as dist

CAUGHT_BY = "summed, not averaged"
REJECTED_BY = "test_averaged_gradients_equal_ddps"


def average_gradients(module):
    for p in module.parameters():
        if not p.requires_grad:
            continue
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        dist.all_reduce(p.grad)
