"""Mistake: all_reduce on the parameters (p.data) instead of their gradients.

The gradients stay this rank's own, so each rank steps differently, and the weights are
changed behind the optimizer's back.
"""

import torch.distributed as dist

CAUGHT_BY = "parameters instead of the gradients"
REJECTED_BY = "test_averaged_gradients_equal_ddps"


def average_gradients(module):
    for p in module.parameters():
        if p.requires_grad:
            dist.all_reduce(p.data)
            p.data /= dist.get_world_size()
