"""Kata 48: gradient accumulation that equals a large batch. See README.md in this folder."""

from collections.abc import Callable

import torch
from torch import Tensor, nn


def accumulate_gradients(
    model: nn.Module,
    inputs: Tensor,
    targets: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    micro_batch_size: int,
) -> float:
    """Add the gradient of the whole batch's mean loss to .grad, one micro-batch at a time.

    inputs: (B, ...) and targets: (B, ...) on the model's device, B >= 1; neither is
    changed. loss_fn(outputs, targets) returns the MEAN loss over the samples it is given.
    Split the batch, in order, into micro-batches of micro_batch_size samples (the last one
    holds the B % micro_batch_size left over, when that is not 0). For each micro-batch in
    turn: forward, then backward of its loss weighted by its share of the batch, n_i / B,
    before the next micro-batch's forward (so only one micro-batch's graph is alive at a
    time). The weighted losses add up to the whole batch's loss: with k equal micro-batches
    each weight is 1 / k, and a short last micro-batch weighs less.
    The gradients are ADDED to whatever .grad holds, as backward() does: this function
    does not zero them (the caller zeroes once per cycle).
    Returns the whole batch's loss (the sum of the weighted losses) as a Python float.
    Raises ValueError if micro_batch_size < 1, or inputs and targets differ in length.
    """
    if micro_batch_size < 1:
        raise ValueError(f"micro_batch_size must be at least 1, got {micro_batch_size}")
    if len(inputs) != len(targets):
        raise ValueError(f"inputs and targets differ in length: {len(inputs)} and {len(targets)}")
    batch = len(inputs)
    total = 0.0
    # split gives views in order; the last one is short when B % micro_batch_size != 0
    for x, y in zip(inputs.split(micro_batch_size), targets.split(micro_batch_size), strict=True):
        loss = loss_fn(model(x), y) * (len(x) / batch)  # this micro-batch's share
        loss.backward()  # frees this graph before the next forward
        total += loss.item()
    return total


def train_accumulated(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    micro_batches: list[tuple[Tensor, Tensor]],
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    accumulation_steps: int,
) -> list[float]:
    """Train with one optimizer step per accumulation_steps micro-batches.

    micro_batches: a list of (inputs, targets) pairs as a DataLoader yields them: their
    sizes may differ (the last one is often short); none is changed. Consecutive groups of
    accumulation_steps micro-batches form a cycle; the final cycle takes whatever is left,
    may be shorter, and still gets its step. loss_fn returns the MEAN loss of its samples.
    Per cycle: zero the gradients once, then for each micro-batch in turn forward and
    backward its loss weighted by n_i / N (N = the number of samples in THIS cycle), then
    optimizer.step() once. Each step therefore equals one step on the big batch made by
    concatenating the cycle's micro-batches. Gradients left in .grad by earlier code never
    reach a step.
    Returns each cycle's big-batch loss (before its step) as Python floats, in order; an
    empty list makes no step and returns [].
    Raises ValueError if accumulation_steps < 1.
    """
    if accumulation_steps < 1:
        raise ValueError(f"accumulation_steps must be at least 1, got {accumulation_steps}")
    losses = []
    for start in range(0, len(micro_batches), accumulation_steps):
        cycle = micro_batches[start : start + accumulation_steps]  # the final one may be short
        samples = sum(len(x) for x, _ in cycle)  # N: the big batch this cycle stands for
        optimizer.zero_grad()
        total = 0.0
        for x, y in cycle:
            loss = loss_fn(model(x), y) * (len(x) / samples)
            loss.backward()
            total += loss.item()
        optimizer.step()
        losses.append(total)
    return losses
