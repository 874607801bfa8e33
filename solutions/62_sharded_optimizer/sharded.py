"""Kata 62: sharded optimizer state (ZeRO) and sharded parameters (FSDP2). See README.md."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.distributed as dist
from torch import Tensor, nn


def _train(model: nn.Module, optimizer: torch.optim.Optimizer, batches) -> None:
    """One step per (x, y) batch: zero_grad, MSE, backward, step."""
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


def train_ddp_zero(
    model: nn.Module, batches: Sequence[tuple[Tensor, Tensor]], lr: float
) -> torch.optim.Optimizer:
    """Train `model` data-parallel with Adam whose state is sharded over the ranks (ZeRO-1).

    Call it on every rank of an initialized default process group, each with the same
    model (same weights, on this rank's device) and its own batches ((x, y) pairs on that
    device, the same number on every rank). Wrap the model in DistributedDataParallel
    (device_ids=[device index] on CUDA), build
    torch.distributed.optim.ZeroRedundancyOptimizer(ddp.parameters(),
    optimizer_class=torch.optim.Adam, lr=lr), then one step per batch: zero_grad,
    F.mse_loss(ddp(x), y), backward, step.

    ZeroRedundancyOptimizer gives each rank whole parameters to own: a rank keeps Adam's
    moments only for those, updates only those, and broadcasts them to the other ranks.
    So `model` ends with exactly the weights of plain DDP with torch.optim.Adam, on every
    rank, while each rank holds only its share of the optimizer state.

    Trains `model` in place and returns the ZeroRedundancyOptimizer.
    """
    from torch.distributed.optim import ZeroRedundancyOptimizer
    from torch.nn.parallel import DistributedDataParallel

    device = next(model.parameters()).device
    ddp = DistributedDataParallel(
        model, device_ids=[device.index] if device.type == "cuda" else None
    )
    optimizer = ZeroRedundancyOptimizer(
        ddp.parameters(), optimizer_class=torch.optim.Adam, lr=lr
    )  # each rank builds an Adam over its own partition only
    _train(ddp, optimizer, batches)
    return optimizer


def optimizer_state_elements(optimizer: torch.optim.Optimizer) -> int:
    """The number of tensor elements in this rank's optimizer state.

    Count every tensor in optimizer.state (for Adam: each parameter's exp_avg,
    exp_avg_sq and its step, a one-element tensor); entries that are not tensors (None,
    numbers) count 0. A ZeroRedundancyOptimizer keeps its state in the optimizer of its
    local shard, optimizer.optim (its own .state stays empty): count that one. A tensor
    that is a DTensor (FSDP2's sharded state) counts only its local shard,
    t.to_local().numel(), not its global size. Nothing is changed.
    """
    from torch.distributed.optim import ZeroRedundancyOptimizer
    from torch.distributed.tensor import DTensor

    if isinstance(optimizer, ZeroRedundancyOptimizer):
        optimizer = optimizer.optim  # the local shard's real optimizer
    total = 0
    for state in optimizer.state.values():
        for value in state.values():
            if isinstance(value, DTensor):
                total += value.to_local().numel()  # this rank's rows only
            elif isinstance(value, Tensor):
                total += value.numel()
    return total


def train_fsdp(
    model: nn.Module,
    batches: Sequence[tuple[Tensor, Tensor]],
    lr: float,
    device_type: str = "cpu",
) -> torch.optim.Optimizer:
    """Train `model` with its parameters sharded over the ranks (FSDP2, fully_shard).

    Call it on every rank of an initialized default process group, with the same model
    (same weights, on a `device_type` device) and this rank's batches, as for
    train_ddp_zero. Build a 1-D device mesh over all ranks,
    init_device_mesh(device_type, (dist.get_world_size(),)), then call
    fully_shard(layer, mesh=mesh) on every nn.Linear in the model and last
    fully_shard(model, mesh=mesh) on the model itself. Only then build
    torch.optim.Adam(model.parameters(), lr=lr): fully_shard replaces each parameter by
    a new one, a DTensor holding this rank's rows (dim 0, split as torch.chunk does), so
    an optimizer built before it would hold the old parameters. Then one step per batch:
    zero_grad, F.mse_loss(model(x), y), backward, step.

    FSDP2 gathers the full parameters for each layer's forward and backward, and
    reduce-scatters the gradients (averaged over the ranks), so every rank's shard ends
    as that part of plain DDP's weights with Adam. Trains `model` in place (its
    parameters are then DTensors: p.full_tensor() gathers one) and returns the Adam.
    """
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    mesh = init_device_mesh(device_type, (dist.get_world_size(),))
    for module in model.modules():
        if isinstance(module, nn.Linear):
            fully_shard(module, mesh=mesh)  # one all-gather per layer, freed after use
    fully_shard(model, mesh=mesh)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)  # after: the sharded parameters
    _train(model, optimizer, batches)
    return optimizer


def local_parameter_elements(model: nn.Module) -> int:
    """The number of parameter elements this rank stores for `model`.

    A DTensor parameter (after fully_shard) counts its local shard,
    p.to_local().numel(); a plain tensor parameter counts p.numel(). For the same model
    unsharded, every rank would count all of its parameters. Nothing is changed.
    """
    from torch.distributed.tensor import DTensor

    return sum(
        p.to_local().numel() if isinstance(p, DTensor) else p.numel() for p in model.parameters()
    )
