"""Mistake: each rank trains its own model (seeded with seed + rank), never wrapped in DDP.

Nothing averages the gradients: every rank learns only from its own shard and the ranks
end with different weights.
"""

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "different parameters"
REJECTED_BY = "test_all_ranks_end_with_identical_parameters"


def train_ddp(rank, world_size, backend, init_method, dataset, model_fn, *, epochs=1,
              batch_size=4, lr=0.1, seed=0, shuffle=False):  # fmt: skip
    dist.init_process_group(
        backend, init_method=init_method, rank=rank, world_size=world_size,
        timeout=solution.TIMEOUT,
    )  # fmt: skip
    device = torch.device("cuda", rank) if backend == "nccl" else torch.device("cpu")
    torch.manual_seed(seed + rank)
    model = model_fn().to(device)
    sampler = DistributedSampler(dataset, world_size, rank, shuffle=shuffle, seed=seed)
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x.to(device)), y.to(device)).backward()
            optimizer.step()
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    dist.barrier()
    dist.destroy_process_group()
    return state
