"""Mistake: ZeroRedundancyOptimizer on the bare model, without DistributedDataParallel.

ZeRO shards the optimizer state and broadcasts the updated parameters, but it does not
average gradients: each owner steps its parameters with its own rank's gradients only.
"""

import torch
from torch.distributed.optim import ZeroRedundancyOptimizer

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "not wrapped in DistributedDataParallel"
REJECTED_BY = "test_zero_trains_exactly_like_plain_ddp"


def train_ddp_zero(model, batches, lr):
    optimizer = ZeroRedundancyOptimizer(model.parameters(), optimizer_class=torch.optim.Adam, lr=lr)
    solution._train(model, optimizer, batches)
    return optimizer
