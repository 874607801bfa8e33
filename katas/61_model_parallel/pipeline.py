"""Kata 61: a model split into two pipeline stages, run over micro-batches. See README.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn


def split_microbatches(batch: Tensor, n: int) -> list[Tensor]:
    """Split `batch` along dim 0 into exactly n micro-batches, as equal as possible.

    batch: (B, ...) any dtype and device, contiguous or not; it is not changed. The sizes
    are those of torch.tensor_split(batch, n): B // n each, and the first B % n of them
    one larger, so 10 rows into 4 gives sizes [3, 3, 2, 2] (torch.chunk would give
    [3, 3, 3, 1], and 10 rows into 6 only 5 chunks). The micro-batches are views of
    batch, in order, and concatenate back to it.

    Raises ValueError if n < 1 or n > B (a micro-batch would be empty).
    """
    # TODO: torch.tensor_split along dim 0; ValueError unless 1 <= n <= B
    raise NotImplementedError("TODO: split_microbatches(batch, n)")


def split_model(
    model: nn.Sequential, split: int, devices: Sequence[torch.device]
) -> tuple[nn.Sequential, nn.Sequential]:
    """Cut `model` into two stages: layers [0, split) on devices[0], [split, end) on devices[1].

    Returns (first, second) = (model[:split], model[split:]) after first.to(devices[0])
    and second.to(devices[1]). The stages hold the model's own layers, not copies: the
    same Parameter objects (moved in place when a device differs), so training the
    stages trains `model`. Layer names keep the model's numbering ("0.weight" in first,
    f"{split}.weight" in second).

    Raises ValueError unless 1 <= split <= len(model) - 1 (both stages need a layer).
    """
    # TODO: check split, then model[:split].to(devices[0]) and model[split:].to(devices[1])
    raise NotImplementedError("TODO: split_model(model, split, devices)")


def pipeline_forward(
    first: nn.Module, second: nn.Module, devices: Sequence[torch.device], x: Tensor, n: int
) -> Tensor:
    """The output of second(first(x)), computed one micro-batch at a time.

    x: (B, ...) on any device, not changed. Split it with split_microbatches(x, n); for
    each micro-batch, in order: move it to devices[0] (.to(devices[0])), run first, move
    the activation to devices[1] with .to(devices[1]) (a no-op when both stages are on
    one device, a copy between GPUs), and run second. Never detach the activation: the
    output keeps the autograd graph back to both stages' parameters (and to x).

    Returns the micro-batch outputs concatenated along dim 0, on devices[1]: equal to
    the unsplit model's output on x. Raises ValueError as split_microbatches does.
    """
    # TODO: for each micro-batch: first(micro.to(devices[0])), .to(devices[1]), second;
    # torch.cat the outputs
    raise NotImplementedError("TODO: pipeline_forward(first, second, devices, x, n)")


def pipeline_train_step(
    first: nn.Module,
    second: nn.Module,
    devices: Sequence[torch.device],
    x: Tensor,
    y: Tensor,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    n: int,
) -> float:
    """Forward and backward over n micro-batches (GPipe): the gradients of the whole batch.

    x: (B, ...) and y: (B, ...) on any device, not changed. loss_fn reduces by the mean
    (F.mse_loss, F.cross_entropy). Split x and y alike with split_microbatches. Forward
    every micro-batch through both stages as pipeline_forward does (its activation moved
    to devices[1], never detached), with its targets moved to devices[1]; take its loss
    loss_i = loss_fn(output_i, y_i) and scale it by its share of the batch,
    len(y_i) / B (that is 1 / n when n divides B; 1 / n alone is wrong for unequal
    micro-batches). Then backward the scaled losses (after all forwards, as GPipe does;
    one backward of their sum is the same).

    The scaled losses add up to loss_fn(model(x), y) on the whole batch, so every
    parameter's .grad receives exactly the whole-batch gradient. Gradients accumulate:
    existing .grad values are added to, not zeroed (call zero_grad before, as with
    loss.backward()). Returns the whole-batch loss as a Python float.
    """
    # TODO: forward every micro-batch, loss_fn(output_i, y_i) * len(y_i) / B, then
    # backward their sum; return the total as a float
    raise NotImplementedError("TODO: pipeline_train_step(first, second, devices, x, y, loss_fn, n)")


def gpipe_rank(
    model: nn.Sequential,
    split: int,
    x: Tensor,
    y: Tensor,
    n_microbatches: int,
    device: torch.device,
) -> tuple[dict[str, Tensor], list[float]]:
    """One rank of a 2-stage pipeline with torch.distributed.pipelining (ScheduleGPipe).

    Call it on both ranks of an initialized 2-rank default process group, with the same
    model (same weights), split, x (B, ...), y (B, ...) and n_microbatches, where
    n_microbatches divides B. Rank r (dist.get_rank()) keeps only its stage:
    model[:split] on rank 0, model[split:] on rank 1, moved to `device`. Build
    PipelineStage(stage_module, r, 2, device) and
    ScheduleGPipe(stage, n_microbatches, loss_fn=F.mse_loss); the schedule splits the
    batch and sends activations forward and gradients back between the ranks. Rank 0
    calls schedule.step(x); rank 1 calls schedule.step(target=y, losses=losses) with a
    list that collects each micro-batch's loss. Inputs are not changed.

    Returns (grads, losses): grads maps the stage's parameter names, numbered as in
    model ("0.weight" on rank 0, f"{split}.weight" on rank 1), to its .grad on the CPU;
    losses is the n_microbatches micro-batch losses as floats on rank 1, [] on rank 0.
    The schedule scales the gradients by 1 / n_microbatches, so grads equal the
    whole-batch gradient of the mean-squared error.
    """
    # TODO: PipelineStage(model[:split] or model[split:], rank, 2, device),
    # ScheduleGPipe(stage, n_microbatches, loss_fn=F.mse_loss); step(x) on rank 0,
    # step(target=y, losses=losses) on rank 1; return the stage's grads and the losses
    raise NotImplementedError("TODO: gpipe_rank(model, split, x, y, n_microbatches, device)")
