"""Kata 52: torch.compile, graph breaks and how to remove them. See README.md in this folder."""

from collections.abc import Callable
from typing import Any

import torch
import torch._dynamo
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
    # explain resets dynamo before and after, so cached compilations cannot hide breaks
    explanation = torch._dynamo.explain(fn)(*args)
    reasons = [
        (entry.reason.splitlines()[0], entry.user_stack[-1].lineno)
        for entry in explanation.break_reasons
    ]
    return explanation.graph_break_count, reasons


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
    scale = x.abs().amax()  # a 0-d tensor stays in the graph
    y = x / (scale + 1e-6)
    # both branches are computed; torch.where keeps the one the condition picks
    y = torch.where(y.sum() > 0, y * 2, y - 1)
    # adding zeros for the other entries keeps the shape fixed: no data-dependent size
    return y + torch.where(y > 0, y, torch.zeros_like(y)).sum()


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
    return torch.compile(model, backend=backend, fullgraph=True)


def saveable_state_dict(model: nn.Module) -> dict[str, Tensor]:
    """The state_dict to save for model, compiled (by compile_model) or not.

    torch.compile's wrapper prefixes every key with "_orig_mod."; the returned dict has
    the original module's keys ("0.weight", ...), so that it loads into a plain,
    uncompiled model with load_state_dict(strict=True). Its tensors are the module's own
    (no copies), as with state_dict().
    """
    original = getattr(model, "_orig_mod", model)  # the wrapper keeps the module here
    return original.state_dict()
