"""Kata 59: data-parallel training with DistributedDataParallel. See README.md in this folder."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch
from torch import Tensor, nn
from torch.utils.data import Dataset, TensorDataset


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
    # TODO: init_process_group(..., timeout=datetime.timedelta(seconds=60)), manual_seed,
    # DistributedDataParallel, DistributedSampler + set_epoch, SGD on MSELoss, then
    # barrier and destroy_process_group
    raise NotImplementedError("TODO: train_ddp(rank, world_size, backend, init_method, ...)")


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
    # TODO: int(env["LOCAL_RANK"]), int(env["LOCAL_WORLD_SIZE"]), torch.cuda.device_count()
    raise NotImplementedError("TODO: choose_device_and_backend(env)")


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
    # TODO: argparse for --checkpoint and --epochs; RANK and WORLD_SIZE from os.environ;
    # choose_device_and_backend(os.environ); train_ddp(..., "env://", ..., device=device);
    # torch.save on rank 0 only
    raise NotImplementedError("TODO: main(argv)")


if __name__ == "__main__":
    main()
