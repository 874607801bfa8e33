"""Mistake: broadcasting module.parameters() only, not module.buffers().

BatchNorm's running mean and variance stay different on every rank, so the ranks'
models disagree in eval mode (DDP broadcasts the buffers too).
"""

import torch
import torch.distributed as dist

CAUGHT_BY = "was not broadcast"
REJECTED_BY = "test_broadcasts_from_the_src_rank"


def broadcast_parameters(module, src=0):
    with torch.no_grad():
        for p in module.parameters():
            dist.broadcast(p, src)
