"""Mistake: t.numel() for every state tensor, DTensors included.

A DTensor's numel() is its global size, the same on every rank: FSDP2's sharded Adam state
seems as large as unsharded Adam's.
"""

import torch
from torch.distributed.optim import ZeroRedundancyOptimizer

CAUGHT_BY = "global size (t.numel())"
REJECTED_BY = "test_counts_this_ranks_optimizer_state_elements"


def optimizer_state_elements(optimizer):
    if isinstance(optimizer, ZeroRedundancyOptimizer):
        optimizer = optimizer.optim
    return sum(
        v.numel()
        for s in optimizer.state.values()
        for v in s.values()
        if isinstance(v, torch.Tensor)
    )
