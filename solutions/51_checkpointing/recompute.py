"""Kata 51: activation checkpointing with torch.utils.checkpoint. See README.md in this folder."""

from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint


def checkpointed(fn: Callable[..., Tensor], *inputs: Tensor) -> Tensor:
    """fn(*inputs), with fn's activations recomputed during backward instead of stored.

    fn: a module or function of tensors. Returns the same value as fn(*inputs), and
    backward gives the same gradients to every input that requires grad and to every
    parameter fn uses. During the forward pass only the inputs are saved for backward;
    backward runs fn's forward again to get the rest. Random ops inside fn (dropout) make
    the same draws in that second run as in the first, so gradients equal those of a plain
    call from the same random state, and the random state after backward is the same too.
    Use torch.utils.checkpoint.checkpoint with use_reentrant=False passed explicitly
    (torch warns when it is missing). Works with torch.autograd.grad as well as backward.
    The caller's inputs are not changed (values, requires_grad, .grad).
    """
    # use_reentrant=False: gradients reach the parameters even when no input requires grad,
    # and torch.autograd.grad works; preserve_rng_state=True (the default) replays dropout
    return checkpoint(fn, *inputs, use_reentrant=False, preserve_rng_state=True)


def segment_bounds(n_layers: int, segments: int) -> list[tuple[int, int]]:
    """How torch.utils.checkpoint.checkpoint_sequential splits n_layers layers into segments.

    Returns `segments` half-open ranges (start, stop) covering 0..n_layers in order: each
    of the first segments - 1 holds n_layers // segments layers, the last holds the rest.
    segment_bounds(7, 3) == [(0, 2), (2, 4), (4, 7)]. Raises ValueError when segments < 1
    or segments > n_layers (a segment would be empty).
    """
    if segments < 1 or segments > n_layers:
        raise ValueError(
            f"segment_bounds: need 1 <= segments <= n_layers, got segments={segments} "
            f"for n_layers={n_layers}"
        )
    size = n_layers // segments
    bounds = [(i * size, (i + 1) * size) for i in range(segments - 1)]
    bounds.append(((segments - 1) * size, n_layers))  # the last segment takes the rest
    return bounds


def _run(layers: Sequence[nn.Module], start: int, stop: int) -> Callable[[Tensor], Tensor]:
    def forward(x: Tensor) -> Tensor:
        for layer in layers[start:stop]:
            x = layer(x)
        return x

    return forward


def checkpoint_in_segments(layers: Sequence[nn.Module], x: Tensor, segments: int) -> Tensor:
    """Run layers one after another on x, checkpointing segment by segment.

    layers: an nn.Sequential, nn.ModuleList or list of modules, each mapping a tensor to a
    tensor. The layers are split by segment_bounds(len(layers), segments); every segment
    but the last is one checkpointed() call (so its layers run again in backward), and the
    last segment runs normally, since backward needs its activations first. This is exactly
    what checkpoint_sequential(layers, segments, x, use_reentrant=False) does; write it
    with checkpointed() (calling checkpoint_sequential fails the tests). segments=1
    checkpoints nothing. Raises ValueError as segment_bounds does. x is not changed.
    """
    layers = list(layers)
    bounds = segment_bounds(len(layers), segments)
    for start, stop in bounds[:-1]:
        x = checkpointed(_run(layers, start, stop), x)  # saves only this segment's input
    start, stop = bounds[-1]
    return _run(layers, start, stop)(x)


class CheckpointedStack(nn.Module):
    """A stack of blocks that uses activation checkpointing while it trains."""

    def __init__(self, blocks: Sequence[nn.Module], segments: int) -> None:
        """Keep blocks (in order, the same module objects) and the number of segments.

        The blocks are registered as submodules in self.blocks (an nn.ModuleList), so their
        parameters are the stack's parameters and appear in its state_dict as
        "blocks.0.weight", ... segments: as in checkpoint_in_segments; raises ValueError
        when it is < 1 or > len(blocks).
        """
        super().__init__()
        segment_bounds(len(blocks), segments)  # fail now, not at the first forward
        self.blocks = nn.ModuleList(blocks)
        self.segments = segments

    def forward(self, x: Tensor) -> Tensor:
        """The blocks applied in order to x: (B, ...) -> (B, ...).

        Checkpointed by segments (checkpoint_in_segments) only when the stack is in
        training mode AND gradients are enabled; in eval mode or under torch.no_grad() /
        torch.inference_mode() nothing is saved for backward anyway, so the blocks run
        plainly, once each, without calling checkpoint at all.
        """
        if self.training and torch.is_grad_enabled():
            return checkpoint_in_segments(self.blocks, x, self.segments)
        for block in self.blocks:
            x = block(x)
        return x
