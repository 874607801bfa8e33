"""Mistake: torch.optim.Adam(model.parameters()) built before fully_shard.

fully_shard replaces every parameter by a new DTensor parameter: the optimizer steps the
old tensors, which the model no longer uses, and the model never trains.
"""

import torch
import torch.distributed as dist
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "built before fully_shard"
REJECTED_BY = "test_fsdp_trains_exactly_like_plain_ddp"


def train_fsdp(model, batches, lr, device_type="cpu"):
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    mesh = init_device_mesh(device_type, (dist.get_world_size(),))
    for module in model.modules():
        if isinstance(module, nn.Linear):
            fully_shard(module, mesh=mesh)
    fully_shard(model, mesh=mesh)
    solution._train(model, optimizer, batches)
    return optimizer
