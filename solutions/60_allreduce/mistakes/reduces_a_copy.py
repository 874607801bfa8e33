"""Mistake: the gradients are flattened into one buffer, reduced, and never copied back.

torch.cat makes a new tensor: all_reduce averages that copy, and every p.grad keeps this
rank's own gradient. (The same happens with all_reduce(p.grad.clone()).)
"""

import torch
import torch.distributed as dist

CAUGHT_BY = "went to a copy"
REJECTED_BY = "test_averaged_gradients_equal_ddps"


def average_gradients(module):
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
    flat = torch.cat([p.grad.flatten() for p in params])  # one collective instead of many
    dist.all_reduce(flat)
    flat /= dist.get_world_size()
