"""Mistake: counting optimizer.state of the ZeroRedundancyOptimizer itself.

The wrapper's own .state stays empty: the shard's Adam, optimizer.optim, holds the state,
so ZeRO seems to use no memory at all.
"""

import torch

CAUGHT_BY = "optimizer.optim.state"
REJECTED_BY = "test_counts_this_ranks_optimizer_state_elements"


def optimizer_state_elements(optimizer):
    from torch.distributed.tensor import DTensor

    total = 0
    for state in optimizer.state.values():
        for value in state.values():
            if isinstance(value, DTensor):
                total += value.to_local().numel()
            elif isinstance(value, torch.Tensor):
                total += value.numel()
    return total
