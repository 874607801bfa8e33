"""Kata 52: torch.compile, graph breaks and how to remove them. See README.md in this folder."""

from collections.abc import Callable
from typing import Any

from torch import Tensor, nn


def graph_breaks(fn: Callable[..., Any], *args: Any) -> tuple[int, list[tuple[str, int]]]:
    """Where and why torch.compile has to split fn into several graphs, for these inputs.

    Runs fn(*args) once under torch._dynamo.explain (call it as explain(fn)(*args); the
    older explain(fn, *args) form is deprecated and warns). Returns (count, reasons):
    count is explain's graph_break_count; reasons has one (reason, line) pair per entry of
    explain's break_reasons, in order, where reason is the first line of the entry's
    .reason text and line is the line number of the innermost frame of its .user_stack
    (the line of fn, or of a function fn called, where the break happened).
    A function without graph breaks gives (0, []). fn and args are not changed.
    """
    # TODO: torch._dynamo.explain(fn)(*args) gives graph_break_count and break_reasons
    raise NotImplementedError("TODO: graph_breaks(fn, *args)")


def _with_graph_breaks(x: Tensor) -> Tensor:
    """The planted function: normalize_scores must compute exactly this, without breaks."""
    scale = x.abs().max().item()  # a Python float: dynamo cannot trace .item()
    y = x / (scale + 1e-6)
    if y.sum() > 0:  # a Python branch on a tensor's value
        y = y * 2
    else:
        y = y - 1
    positive = y[y > 0]  # a boolean mask: the result's size depends on the data
    print("positive entries:", positive.numel())  # printing from compiled code
    return y + positive.sum()


def normalize_scores(x: Tensor) -> Tensor:
    """_with_graph_breaks(x) rewritten so that torch.compile(..., fullgraph=True) accepts it.

    x: (B, D) float32 or float64, any strides, on any device; not changed. Returns the
    values _with_graph_breaks returns (same shape, dtype and device): x divided by
    (max |x| + 1e-6); then doubled if the sum of that is > 0, else minus 1; then plus the
    sum of its positive entries. No .item(), no Python `if` on a tensor, no boolean-mask
    indexing and no print: under torch.compile(normalize_scores, backend="eager" or
    "aot_eager", fullgraph=True) it compiles as one graph, with no graph break.
    """
    # TODO: rewrite _with_graph_breaks above: a tensor instead of .item(), torch.where
    # instead of the if and of the boolean mask, and no print
    raise NotImplementedError("TODO: normalize_scores(x)")


def compile_model(model: nn.Module, backend: str | Callable[..., Any] = "inductor") -> nn.Module:
    """A compiled wrapper of model: torch.compile with the given backend and fullgraph=True.

    backend: a backend name ("inductor", "eager", "aot_eager", ...) or a backend callable,
    passed to torch.compile unchanged. fullgraph=True makes a graph break an error at the
    first call instead of a silent split. Returns a new module (torch.compile's wrapper)
    that shares model's parameters: training through it trains model. model itself is not
    changed: calling it directly still runs eagerly (so do not use model.compile(), which
    compiles in place), and it keeps its training mode. Nothing is compiled until the
    wrapper is first called.
    """
    # TODO: torch.compile(...): which argument turns a graph break into an error?
    raise NotImplementedError("TODO: compile_model(model, backend)")


def saveable_state_dict(model: nn.Module) -> dict[str, Tensor]:
    """The state_dict to save for model, compiled (by compile_model) or not.

    torch.compile's wrapper prefixes every key with "_orig_mod."; the returned dict has
    the original module's keys ("0.weight", ...), so that it loads into a plain,
    uncompiled model with load_state_dict(strict=True). Its tensors are the module's own
    (no copies), as with state_dict().
    """
    # TODO: the compiled wrapper keeps the original module as ._orig_mod
    raise NotImplementedError("TODO: saveable_state_dict(model)")
