"""Kata 03: derivatives with autograd. See README.md in this folder."""

from collections.abc import Callable

from torch import Tensor


def derivative(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """df/dx at every element of x, for an elementwise function f.

    x: floating-point tensor of any shape (0-d included), on any device.
    Returns a tensor of x's shape, dtype and device, with no autograd graph attached
    (requires_grad False). The caller's x is not changed: its requires_grad and .grad
    stay exactly as they were. Raises TypeError if x is not floating point.
    """
    # TODO: the four steps: a fresh leaf from x (detach), f, backward, read .grad
    raise NotImplementedError("TODO: derivative(f, x)")


def second_derivative(f: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """d2f/dx2 at every element of x, for an elementwise function f.

    Same contract as derivative(): x's shape, dtype and device, no graph attached, the
    caller's x unchanged, TypeError if x is not floating point. A linear f gives zeros.
    """
    # TODO: differentiate twice; the first derivative needs create_graph=True
    raise NotImplementedError("TODO: second_derivative(f, x)")


def gradient(f: Callable[..., Tensor], *xs: Tensor) -> tuple[Tensor, ...]:
    """The gradient of a scalar-valued f(*xs) with respect to each input, in order.

    xs: one or more floating-point tensors of any shapes. Returns a tuple with one tensor
    per input, each of that input's shape, dtype and device, no graph attached; an input
    that f does not use gets zeros. The callers' tensors are not changed. Raises
    ValueError if f does not return a single-element tensor.
    """
    # TODO: one leaf per input, one backward() on the scalar, then read each .grad
    raise NotImplementedError("TODO: gradient(f, *xs)")
