"""Mistake: `if p.grad is None: continue`, skipping parameters unused on this rank.

A peer that used the parameter reduces it: the ranks' all_reduce calls no longer pair up,
which hangs, aborts, or adds one tensor's gradient to another's.
"""

import torch.distributed as dist

CAUGHT_BY = "cannot be skipped"
REJECTED_BY = "test_a_parameter_unused_on_one_rank_takes_part_as_zeros"


def average_gradients(module):
    for p in module.parameters():
        if p.grad is None:
            continue
        dist.all_reduce(p.grad)
        p.grad /= dist.get_world_size()
