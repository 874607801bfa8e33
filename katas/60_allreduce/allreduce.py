"""Kata 60: data-parallel gradients by hand with all_reduce, equal to DDP's. See README.md."""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch
from torch import Tensor, nn


def broadcast_parameters(module: nn.Module, src: int = 0) -> None:
    """Make this rank's module hold rank `src`'s parameters and buffers, in place.

    Call it on every rank of an initialized default process group, with the same `src`
    and a module of the same architecture. Every tensor of the module's state takes
    part: each parameter (frozen ones, requires_grad=False, too) and each buffer
    (BatchNorm's running statistics and its int64 batch counter too), in the same order
    on every rank: module.parameters(), then module.buffers(). This is what
    DistributedDataParallel does when it wraps a model.

    The tensors are overwritten in place: the module keeps the very same Parameter
    objects, so an optimizer built on module.parameters() before the call trains the
    broadcast weights, and every requires_grad flag stays as it was. Gradients are not
    touched. Returns None.
    """
    # TODO: dist.broadcast(tensor, src) for every tensor of module.parameters() and then
    # module.buffers(), in place, under torch.no_grad()
    raise NotImplementedError("TODO: broadcast_parameters(module, src)")


def average_gradients(module: nn.Module) -> None:
    """Replace every parameter's .grad by its mean over all ranks, in place, as DDP does.

    Call it on every rank of an initialized default process group, after loss.backward()
    and before optimizer.step(). For each parameter in module.parameters() order that
    requires grad: all_reduce its .grad in place, summing over the ranks, then divide by
    dist.get_world_size() (ReduceOp.AVG does both where the backend has it). The sum
    alone is world_size times too large, and reducing a copy (p.grad.clone(), a
    flattened buffer never copied back) leaves p.grad as it was.

    A parameter whose .grad is None on this rank (it took no part in this rank's loss)
    still takes part, as zeros: every rank must all_reduce the same tensors in the same
    order, or the collectives pair up wrongly (a hang, an abort, or silently wrong sums).
    Afterwards its .grad holds the mean. Parameters with requires_grad=False are left
    alone on every rank (their .grad stays None). Works for any floating dtype; the
    parameters themselves are not changed. Returns None.
    """
    # TODO: for each parameter that requires grad: zeros where .grad is None, then
    # dist.all_reduce(p.grad) in place and divide by dist.get_world_size()
    raise NotImplementedError("TODO: average_gradients(module)")


def train_data_parallel(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    batches: Iterable[tuple[Tensor, Tensor]],
) -> list[float]:
    """Train `model` data-parallel by hand, one step per batch; the same result as DDP.

    Every rank calls this with its own model copy (built however it likes), an optimizer
    built on model.parameters(), and its own batches: (x, y) pairs on the model's
    device, the same number of batches on every rank. The steps:

    1. broadcast_parameters(model, 0) once, so every rank starts from rank 0's weights
       (DDP does the same when it wraps the model).
    2. For each (x, y): optimizer.zero_grad(), loss = loss_fn(model(x), y),
       loss.backward(), average_gradients(model), optimizer.step().

    Then every rank holds the same parameters after every step, equal to those of DDP
    trained on the same batches. Returns the loss of each step on this rank's own batch,
    as Python floats (not averaged over the ranks).
    """
    # TODO: broadcast_parameters once, then per batch: zero_grad, forward, loss,
    # backward, average_gradients, step; collect loss.item()
    raise NotImplementedError("TODO: train_data_parallel(model, optimizer, loss_fn, batches)")
