"""Kata 49: find and fix the `total_loss += loss` leak. See README.md in this folder."""

from collections.abc import Callable

import torch
from torch import Tensor, nn


def count_live_tensors() -> int:
    """The number of torch.Tensor objects alive in this process, after a garbage collection.

    Call gc.collect() first (objects caught in reference cycles are freed only by it), then
    count the objects in gc.get_objects() whose type is torch.Tensor or a subclass of it
    (nn.Parameter counts). Test the type with type(obj), not isinstance(obj, ...):
    isinstance falls back to obj.__class__, which some objects compute (torch.distributed's
    deprecated reduce_op warns, and a dead weakref.proxy raises ReferenceError).
    Deterministic: a count of objects, never bytes of memory and never a time.
    """
    # TODO: gc.collect(), then count the objects of gc.get_objects() whose type(obj) is a
    # subclass of torch.Tensor
    raise NotImplementedError("TODO: count_live_tensors()")


def graph_size(obj: object) -> int:
    """The number of distinct autograd nodes reachable from the tensors in obj.

    obj: a tensor, a list / tuple / dict of them (nested), or anything else (a float, None:
    no tensors, so 0). Start from each tensor's grad_fn (None for a leaf or a tensor
    without history: nothing to count), follow node.next_functions (pairs (node, index),
    where node is None for an input that needs no gradient), and count every node ONCE,
    however many paths reach it (the AccumulateGrad nodes of leaves included).
    Nothing is changed and no backward runs.
    """
    # TODO: collect the tensors in obj, then walk grad_fn.next_functions with a stack and a
    # set of nodes already seen
    raise NotImplementedError("TODO: graph_size(obj)")


def watch(step: Callable[[], object], iterations: int = 5, warmup: int = 1) -> dict:
    """Call step() again and again, and report whether what it keeps alive grows.

    First call step() `warmup` times without measuring (first calls create lasting state:
    .grad, optimizer moments, caches). Then call it `iterations` more times; after each of
    those calls, record graph_size(the value step() returned), drop that value (keeping it
    would itself keep tensors alive), then record count_live_tensors().
    Returns {"tensors": [...], "graph_nodes": [...], "leaking": bool}: two lists of
    `iterations` ints each, in call order, and leaking = True when either count is larger
    at the last measurement than at the first.
    Raises ValueError if iterations < 2 (one measurement cannot show growth) or warmup < 0.
    """
    # TODO: check the arguments, run the warmup calls, then per measured call: graph_size of
    # the result, del it, count_live_tensors(); leaking compares the last with the first
    raise NotImplementedError("TODO: watch(step, iterations, warmup)")


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batches: list[tuple[Tensor, Tensor]],
    loss_fn: Callable[[Tensor, Tensor], Tensor],
) -> float:
    """One epoch of training that keeps no graph and no tensor from one batch to the next.

    For each (inputs, targets) in batches, in order: zero the gradients, forward,
    loss = loss_fn(model(inputs), targets), backward, optimizer.step().
    Returns the mean of the batches' losses as a Python float (0.0 for no batches).
    The running total is a Python float (loss.item()): never the loss tensor itself
    (`total_loss += loss` chains every batch's graph onto the total), never a growing
    list of tensors (detached or not: one more tensor kept per batch), and never
    loss.data (use .item(), or .detach() when a tensor is really needed).
    """
    # TODO: the usual step per batch; add loss.item() (a float) to the running total
    raise NotImplementedError("TODO: train_epoch(model, optimizer, batches, loss_fn)")


def evaluate(
    model: nn.Module,
    batches: list[tuple[Tensor, Tensor]],
    loss_fn: Callable[[Tensor, Tensor], Tensor],
) -> float:
    """The mean loss over batches, with no graph recorded at all.

    Runs the model in eval mode (dropout off, BatchNorm on running statistics) under
    torch.no_grad(), then puts back the mode the model was in. Returns the mean of the
    batches' losses as a Python float (0.0 for no batches). As in train_epoch, nothing is
    kept from one batch to the next but a Python float.
    """
    # TODO: remember model.training, model.eval(), torch.no_grad(), a float total, then
    # model.train(previous mode)
    raise NotImplementedError("TODO: evaluate(model, batches, loss_fn)")
