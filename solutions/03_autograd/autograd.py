"""Kata 03: derivatives with autograd. See README.md in this folder."""

from collections.abc import Callable

import torch
from torch import Tensor


def _leaf(x: Tensor) -> Tensor:
    # detach() gives a new leaf sharing x's storage: the caller's x and its graph stay untouched
    if not torch.is_floating_point(x):
        raise TypeError(f"x must be a floating-point tensor, got dtype {x.dtype}")
    return x.detach().requires_grad_(True)


def derivative(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """df/dx at every element of x, for an elementwise function f.

    x: floating-point tensor of any shape (0-d included), on any device.
    Returns a tensor of x's shape, dtype and device, with no autograd graph attached
    (requires_grad False). The caller's x is not changed: its requires_grad and .grad
    stay exactly as they were. Raises TypeError if x is not floating point.
    """
    leaf = _leaf(x)
    # f is elementwise, so d(sum f)/dx_i = f'(x_i): one backward gives every derivative
    f(leaf).sum().backward()
    return leaf.grad


def second_derivative(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """d2f/dx2 at every element of x, for an elementwise function f.

    Same contract as derivative(): x's shape, dtype and device, no graph attached, the
    caller's x unchanged, TypeError if x is not floating point. A linear f gives zeros.
    """
    leaf = _leaf(x)
    # create_graph keeps the first derivative differentiable
    (first,) = torch.autograd.grad(f(leaf).sum(), leaf, create_graph=True)
    if not first.requires_grad:  # f' is constant: f was linear
        return torch.zeros_like(x)
    (second,) = torch.autograd.grad(first.sum(), leaf)
    return second


def gradient(f: Callable[..., Tensor], *xs: Tensor) -> tuple[Tensor, ...]:
    """The gradient of a scalar-valued f(*xs) with respect to each input, in order.

    xs: one or more floating-point tensors of any shapes. Returns a tuple with one tensor
    per input, each of that input's shape, dtype and device, no graph attached; an input
    that f does not use gets zeros. The callers' tensors are not changed. Raises
    ValueError if f does not return a single-element tensor.
    """
    leaves = [_leaf(x) for x in xs]
    out = f(*leaves)
    if out.numel() != 1:
        raise ValueError(f"f must return a single-element tensor, got shape {tuple(out.shape)}")
    if out.requires_grad:  # an f that uses none of its inputs has no graph: all zeros
        out.backward()
    return tuple(leaf.grad if leaf.grad is not None else torch.zeros_like(leaf) for leaf in leaves)
