"""Mistake: dist.destroy_process_group() straight after training, with no barrier.

A rank may tear down its connections while a peer still uses them; with gloo the peer can
then die with "terminate called without an active exception".
"""

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, DistributedSampler

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "without a barrier"
REJECTED_BY = "test_leaves_the_group_destroyed_after_a_barrier"


def train_ddp(rank, world_size, backend, init_method, dataset, model_fn, *, epochs=1,
              batch_size=4, lr=0.1, seed=0, shuffle=False):  # fmt: skip
    dist.init_process_group(
        backend, init_method=init_method, rank=rank, world_size=world_size,
        timeout=solution.TIMEOUT,
    )  # fmt: skip
    device = torch.device("cuda", rank) if backend == "nccl" else torch.device("cpu")
    torch.manual_seed(seed)
    model = model_fn().to(device)
    ddp = DistributedDataParallel(model, device_ids=[rank] if device.type == "cuda" else None)
    sampler = DistributedSampler(dataset, world_size, rank, shuffle=shuffle, seed=seed)
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr)
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.mse_loss(ddp(x.to(device)), y.to(device)).backward()
            optimizer.step()
    state = {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}
    dist.destroy_process_group()
    return state
