"""Mistake: DDP with a plain torch.optim.Adam instead of ZeroRedundancyOptimizer.

The weights are right, but every rank keeps Adam's moments for every parameter: the
memory ZeRO exists to save is spent on every rank.
"""

import torch
from torch.nn.parallel import DistributedDataParallel

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the full optimizer state"
REJECTED_BY = "test_zero_rank_holds_its_share_of_adam_state"


def train_ddp_zero(model, batches, lr):
    device = next(model.parameters()).device
    ddp = DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None
    )
    optimizer = torch.optim.Adam(ddp.parameters(), lr=lr)
    solution._train(ddp, optimizer, batches)
    return optimizer
