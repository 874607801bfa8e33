"""Kata 51: activation checkpointing with torch.utils.checkpoint. See README.md in this folder."""

from collections.abc import Callable, Sequence

from torch import Tensor, nn


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
    # TODO: torch.utils.checkpoint.checkpoint(fn, *inputs, ...): which keyword must you pass?
    raise NotImplementedError("TODO: checkpointed(fn, *inputs)")


def segment_bounds(n_layers: int, segments: int) -> list[tuple[int, int]]:
    """How torch.utils.checkpoint.checkpoint_sequential splits n_layers layers into segments.

    Returns `segments` half-open ranges (start, stop) covering 0..n_layers in order: each
    of the first segments - 1 holds n_layers // segments layers, the last holds the rest.
    segment_bounds(7, 3) == [(0, 2), (2, 4), (4, 7)]. Raises ValueError when segments < 1
    or segments > n_layers (a segment would be empty).
    """
    # TODO: segment size n_layers // segments; the last segment takes what is left
    raise NotImplementedError("TODO: segment_bounds(n_layers, segments)")


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
    # TODO: one checkpointed() call per segment except the last, which runs plainly
    raise NotImplementedError("TODO: checkpoint_in_segments(layers, x, segments)")


class CheckpointedStack(nn.Module):
    """A stack of blocks that uses activation checkpointing while it trains."""

    def __init__(self, blocks: Sequence[nn.Module], segments: int) -> None:
        """Keep blocks (in order, the same module objects) and the number of segments.

        The blocks are registered as submodules in self.blocks (an nn.ModuleList), so their
        parameters are the stack's parameters and appear in its state_dict as
        "blocks.0.weight", ... segments: as in checkpoint_in_segments; raises ValueError
        when it is < 1 or > len(blocks).
        """
        # TODO: super().__init__(), validate segments, keep the blocks in an nn.ModuleList
        raise NotImplementedError("TODO: CheckpointedStack.__init__")

    def forward(self, x: Tensor) -> Tensor:
        """The blocks applied in order to x: (B, ...) -> (B, ...).

        Checkpointed by segments (checkpoint_in_segments) only when the stack is in
        training mode AND gradients are enabled; in eval mode or under torch.no_grad() /
        torch.inference_mode() nothing is saved for backward anyway, so the blocks run
        plainly, once each, without calling checkpoint at all.
        """
        # TODO: checkpoint only when self.training and torch.is_grad_enabled()
        raise NotImplementedError("TODO: CheckpointedStack.forward")
