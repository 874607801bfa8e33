"""Kata 10: backward on non-scalar outputs, accumulation, retain_graph. See README.md."""

from collections.abc import Callable, Sequence
from typing import Any

from torch import Tensor


def vjp(f: Callable[[Tensor], Tensor], x: Tensor, v: Tensor) -> tuple[Tensor, Tensor]:
    """The output y = f(x) and the vector-Jacobian product v^T J, via y.backward(gradient=v).

    x: floating-point tensor of any shape (0-d included), on any device. f maps x to a
    tensor y of any shape; v must have exactly y's shape (no broadcasting), dtype and device.
    Returns (y, g): y = f(x) with no graph attached, and g of x's shape, dtype and device with
    g[j] = sum_i v[i] * dy[i]/dx[j], no graph attached. The caller's x and v are not changed
    (x keeps its requires_grad and .grad). Raises ValueError if v's shape is not y's shape.
    """
    # TODO: a fresh leaf from x.detach(), y = f(leaf), y.backward(gradient=v), read leaf.grad
    raise NotImplementedError("TODO: vjp(f, x, v)")


def accumulate_gradients(
    loss_fn: Callable[[Tensor, Any], Tensor], w: Tensor, batches: Sequence[Any]
) -> Tensor:
    """The gradient of mean_k loss_fn(w, batches[k]), accumulated one batch at a time.

    w: a floating-point leaf tensor with requires_grad=True; its .grad may hold a stale
    gradient from an earlier step, which must not count. batches: a non-empty sequence;
    loss_fn(w, batch) returns a single-element tensor. Calls loss_fn once per batch, in
    order, and runs one backward() per batch before the next call (as when a full batch does
    not fit in memory), scaled so that afterwards w.grad holds the gradient of the mean of
    the batch losses. Returns w.grad (the same tensor object). w's values are not changed.
    Raises ValueError if batches is empty.
    """
    # TODO: clear w.grad first; backward() adds into .grad, so divide each loss by the count
    raise NotImplementedError("TODO: accumulate_gradients(loss_fn, w, batches)")


def separate_gradients(
    f: Callable[[Tensor], Tensor], heads: Sequence[Callable[[Tensor], Tensor]], x: Tensor
) -> list[Tensor]:
    """The gradient of each head(f(x)) with respect to x, from one shared forward pass.

    x: floating-point tensor of any shape. f computes the shared hidden h = f(x) and is
    expensive: call it exactly once. heads: a non-empty sequence of callables, each mapping h
    to a single-element tensor. Returns a list with one gradient per head, in order, each of
    x's shape, dtype and device, no graph attached, each for its own head only (not
    accumulated). Every backward() but the last keeps the graph (retain_graph=True); the last
    frees it. The caller's x is not changed. Raises ValueError if heads is empty.
    """
    # TODO: one forward, then backward(retain_graph=...) per head, reading and clearing .grad
    raise NotImplementedError("TODO: separate_gradients(f, heads, x)")
