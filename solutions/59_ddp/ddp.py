"""Kata 59: data-parallel training with DistributedDataParallel. See README.md in this folder."""

from __future__ import annotations

import argparse
import datetime
import os
from collections.abc import Callable, Mapping, Sequence

import torch
import torch.distributed as dist
from torch import Tensor, nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler, TensorDataset

# A rank whose peers never arrive should fail in a minute, not after gloo's default 30.
TIMEOUT = datetime.timedelta(seconds=60)


def train_ddp(
    rank: int,
    world_size: int,
    backend: str,
    init_method: str,
    dataset: Dataset,
    model_fn: Callable[[], nn.Module],
    *,
    epochs: int = 1,
    batch_size: int = 4,
    lr: float = 0.1,
    seed: int = 0,
    shuffle: bool = False,
    device: torch.device | str | None = None,
) -> dict[str, Tensor]:
    """Train model_fn() as rank `rank` of `world_size` with DDP; return the trained weights.

    Every rank calls this with the same arguments but its own `rank`. dataset yields
    (x, y) pairs of tensors. The steps:

    1. Join the process group: dist.init_process_group with this backend, init_method,
       rank and world_size, and a short timeout (at most 5 minutes, e.g. 60 s; gloo's
       default is 30 minutes), so a rank whose peers never arrive fails fast.
    2. torch.manual_seed(seed), then model_fn(); the model lives on `device` when given
       (a rank of a multi-node job: cuda:LOCAL_RANK, see choose_device_and_backend), else
       on cuda:rank when backend is "nccl", else on the CPU. Wrap it in
       DistributedDataParallel (device_ids=[the device's index] on CUDA).
    3. Shard the data: DistributedSampler(dataset, num_replicas=world_size, rank=rank,
       shuffle=shuffle, seed=seed) in a DataLoader of batch_size. For each epoch
       0, 1, ..., epochs - 1: sampler.set_epoch(epoch), then one torch.optim.SGD(lr) step
       per batch on nn.MSELoss() (the batch mean) of model(x) against y.
    4. Take the unwrapped model's state_dict (keys without the "module." prefix) with
       every tensor cloned to the CPU.
    5. Leave the group: dist.barrier(), then dist.destroy_process_group(), so the function
       can be called again in the same process.

    Returns the state dict of step 4. DDP averages gradients over the ranks, so every rank
    returns the same weights: those of one process training on the union of the ranks'
    batches.
    """
    dist.init_process_group(
        backend, init_method=init_method, rank=rank, world_size=world_size, timeout=TIMEOUT
    )
    if device is not None:
        device = torch.device(device)
    elif backend == "nccl":
        device = torch.device("cuda", rank)
    else:
        device = torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)

    torch.manual_seed(seed)  # the same start on every rank (DDP also broadcasts rank 0's)
    model = model_fn().to(device)
    ddp = DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None
    )

    sampler = DistributedSampler(
        dataset, num_replicas=world_size, rank=rank, shuffle=shuffle, seed=seed
    )
    loader = DataLoader(dataset, batch_size=batch_size, sampler=sampler)
    optimizer = torch.optim.SGD(ddp.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    for epoch in range(epochs):
        sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        for x, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(ddp(x.to(device)), y.to(device))
            loss.backward()  # DDP all-reduces and averages the gradients here
            optimizer.step()

    state = {name: t.detach().cpu().clone() for name, t in model.state_dict().items()}
    dist.barrier()  # no rank tears down its connections while a peer still uses them
    dist.destroy_process_group()
    return state


def _toy_dataset(n: int = 40, seed: int = 0) -> TensorDataset:
    """n pairs (x, y): x of shape (4,), y of shape (1,), a noisy linear map; float32."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 4, generator=gen)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * torch.randn(n, 1, generator=gen)
    return TensorDataset(x, y)


def _toy_model() -> nn.Module:
    """A small MLP for _toy_dataset: 4 -> 8 -> 1."""
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))


def choose_device_and_backend(env: Mapping[str, str]) -> tuple[torch.device, str]:
    """The device and backend for the rank whose environment (os.environ) is `env`.

    torchrun sets, in each rank, RANK (the rank among all nodes: its role, e.g. who saves),
    LOCAL_RANK (its number on this node: which of this node's GPUs it owns) and
    LOCAL_WORLD_SIZE (how many ranks run on this node). Returns
    (torch.device("cuda", LOCAL_RANK), "nccl") when this node has a GPU for each of its
    ranks, torch.cuda.device_count() >= LOCAL_WORLD_SIZE; else (torch.device("cpu"),
    "gloo"). Only this node's GPUs count: WORLD_SIZE and RANK span every node, and a rank's
    GPU index is never its RANK. Reads env only (never os.environ, never writes env) and
    asks torch.cuda nothing but device_count().

    Raises ValueError, saying to start the script with torchrun, when LOCAL_RANK or
    LOCAL_WORLD_SIZE is missing from env.
    """
    missing = [name for name in ("LOCAL_RANK", "LOCAL_WORLD_SIZE") if name not in env]
    if missing:
        raise ValueError(
            f"{' and '.join(missing)} not set: start this script with torchrun, which sets "
            f"RANK, LOCAL_RANK, WORLD_SIZE and LOCAL_WORLD_SIZE in every rank."
        )
    local_rank, local_world_size = int(env["LOCAL_RANK"]), int(env["LOCAL_WORLD_SIZE"])
    # GPUs are per node: a rank owns this node's GPU number LOCAL_RANK, whatever its RANK
    if torch.cuda.device_count() >= local_world_size:
        return torch.device("cuda", local_rank), "nccl"
    return torch.device("cpu"), "gloo"


def main(argv: Sequence[str] | None = None) -> None:
    """One rank of `torchrun ... katas/59_ddp/ddp.py`, on one node or on several.

    torchrun starts one process per rank and sets RANK, WORLD_SIZE, LOCAL_RANK,
    LOCAL_WORLD_SIZE, MASTER_ADDR and MASTER_PORT in each one's environment. Read RANK and
    WORLD_SIZE from there, take (device, backend) from choose_device_and_backend(os.environ)
    and call train_ddp(rank, world_size, backend, "env://", _toy_dataset(), _toy_model,
    epochs=args.epochs, shuffle=True, device=device), other arguments at their defaults.

    Options: --checkpoint PATH (default "ddp_checkpoint.pt"), --epochs N (default 2).
    Rank 0, and only rank 0 (RANK, not LOCAL_RANK: every node has a LOCAL_RANK 0), saves
    the returned state dict to PATH with torch.save and prints "rank 0 saved PATH"; the
    other ranks hold the same weights and write nothing.
    """
    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", default="ddp_checkpoint.pt")
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args(argv)

    rank = int(os.environ["RANK"])  # the global rank: its role (rank 0 saves)
    world_size = int(os.environ["WORLD_SIZE"])
    device, backend = choose_device_and_backend(os.environ)  # from LOCAL_RANK: this node's GPU
    state = train_ddp(
        rank, world_size, backend, "env://", _toy_dataset(), _toy_model,
        epochs=args.epochs, shuffle=True, device=device,
    )  # fmt: skip
    if rank == 0:  # one writer on the whole job: the ranks hold identical weights
        torch.save(state, args.checkpoint)
        print(f"rank 0 saved {args.checkpoint}")


if __name__ == "__main__":
    main()
