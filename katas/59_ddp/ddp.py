"""Kata 59: data-parallel training with DistributedDataParallel. See README.md in this folder."""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
) -> dict[str, Tensor]:
    """Train model_fn() as rank `rank` of `world_size` with DDP; return the trained weights.

    Every rank calls this with the same arguments but its own `rank`. dataset yields
    (x, y) pairs of tensors. The steps:

    1. Join the process group: dist.init_process_group with this backend, init_method,
       rank and world_size, and a short timeout (at most 5 minutes, e.g. 60 s; gloo's
       default is 30 minutes), so a rank whose peers never arrive fails fast.
    2. torch.manual_seed(seed), then model_fn(); the model lives on cuda:rank when backend
       is "nccl", else on the CPU. Wrap it in DistributedDataParallel (device_ids=[rank]
       on CUDA).
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


def main(argv: Sequence[str] | None = None) -> None:
    """One rank of `torchrun --standalone --nproc_per_node=2 katas/59_ddp/ddp.py`.

    torchrun starts one process per rank and sets RANK, WORLD_SIZE, MASTER_ADDR and
    MASTER_PORT in each one's environment. Read RANK and WORLD_SIZE from there and call
    train_ddp(rank, world_size, backend, "env://", _toy_dataset(), _toy_model,
    epochs=args.epochs, shuffle=True), other arguments at their defaults; backend "nccl"
    when every rank can have its own GPU, else "gloo".

    Options: --checkpoint PATH (default "ddp_checkpoint.pt"), --epochs N (default 2).
    Rank 0, and only rank 0, saves the returned state dict to PATH with torch.save and
    prints "rank 0 saved PATH"; the other ranks hold the same weights and write nothing.
    """
    # TODO: argparse for --checkpoint and --epochs; RANK and WORLD_SIZE from os.environ;
    # train_ddp(..., "env://", ...); torch.save on rank 0 only
    raise NotImplementedError("TODO: main(argv)")


if __name__ == "__main__":
    main()
