"""Kata 49: find and fix the `total_loss += loss` leak. See README.md in this folder."""

import gc
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
    gc.collect()
    return sum(1 for obj in gc.get_objects() if issubclass(type(obj), torch.Tensor))


def _tensors_in(obj: object) -> list[Tensor]:
    """Every tensor in obj: obj itself, or inside nested lists, tuples and dicts."""
    if isinstance(obj, Tensor):
        return [obj]
    if isinstance(obj, list | tuple):
        return [t for item in obj for t in _tensors_in(item)]
    if isinstance(obj, dict):
        return [t for item in obj.values() for t in _tensors_in(item)]
    return []


def graph_size(obj: object) -> int:
    """The number of distinct autograd nodes reachable from the tensors in obj.

    obj: a tensor, a list / tuple / dict of them (nested), or anything else (a float, None:
    no tensors, so 0). Start from each tensor's grad_fn (None for a leaf or a tensor
    without history: nothing to count), follow node.next_functions (pairs (node, index),
    where node is None for an input that needs no gradient), and count every node ONCE,
    however many paths reach it (the AccumulateGrad nodes of leaves included).
    Nothing is changed and no backward runs.
    """
    stack = [t.grad_fn for t in _tensors_in(obj) if t.grad_fn is not None]
    seen = set()  # nodes compare and hash by identity
    while stack:
        node = stack.pop()
        if node in seen:
            continue  # a shared subgraph (a diamond): counted once
        seen.add(node)
        stack.extend(parent for parent, _ in node.next_functions if parent is not None)
    return len(seen)


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
    if iterations < 2:
        raise ValueError(f"iterations must be at least 2 to see growth, got {iterations}")
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    for _ in range(warmup):
        step()
    tensors, graph_nodes = [], []
    for _ in range(iterations):
        result = step()
        graph_nodes.append(graph_size(result))
        del result  # measure what the loop keeps, not what this function holds
        tensors.append(count_live_tensors())
    leaking = tensors[-1] > tensors[0] or graph_nodes[-1] > graph_nodes[0]
    return {"tensors": tensors, "graph_nodes": graph_nodes, "leaking": leaking}


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
    total, count = 0.0, 0
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        total += loss.item()  # a float: no graph, no device memory
        count += 1
    return total / count if count else 0.0


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
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    try:
        with torch.no_grad():  # no graph: without it, `total += loss` keeps every activation
            for inputs, targets in batches:
                total += loss_fn(model(inputs), targets).item()
                count += 1
    finally:
        model.train(was_training)
    return total / count if count else 0.0
