"""Mistake: all_reduce(p.grad) for every trainable parameter, with no care for .grad None.

A parameter unused in this rank's loss has no gradient: reducing None crashes this rank,
and its peers wait for a collective that never comes.
"""

import torch.distributed as dist

CAUGHT_BY = "crashed on a parameter whose .grad is None"
REJECTED_BY = "test_a_parameter_unused_on_one_rank_takes_part_as_zeros"


def average_gradients(module):
    for p in module.parameters():
        if p.requires_grad:
            dist.all_reduce(p.grad)
            p.grad /= dist.get_world_size()
