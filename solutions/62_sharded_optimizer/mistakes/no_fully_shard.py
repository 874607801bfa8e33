"""Mistake: train_fsdp trains the model as it is, never calling fully_shard.

Every rank keeps the whole model and steps on its own gradients only: nothing is
sharded and nothing is averaged.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "was not sharded"
REJECTED_BY = "test_fsdp_rank_stores_only_its_shard_of_every_parameter"


def train_fsdp(model, batches, lr, device_type="cpu"):
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    solution._train(model, optimizer, batches)
    return optimizer
