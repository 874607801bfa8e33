"""Kata 01: making tensors and reading their attributes. See README.md in this folder."""

from typing import Any

import numpy as np
import torch
from torch import Tensor


def describe(t: Tensor) -> dict[str, Any]:
    """The metadata of t, as a dict with exactly these keys:

    "shape": a tuple of Python ints (() for a 0-d tensor), "dtype": a torch.dtype,
    "device": a torch.device (not a string), "layout": a torch.layout (torch.strided for an
    ordinary tensor, torch.sparse_coo for a sparse one), "ndim": an int, "numel": an int
    (the number of elements). Works for any tensor, 0-d and sparse included; t is not changed.
    """
    # TODO: read the attributes; a 0-d tensor has no len() and shape ()
    raise NotImplementedError("TODO: describe(t)")


def from_list(data: Any, device: torch.device) -> Tensor:
    """A tensor holding the (possibly nested) Python list data, on device.

    The dtype is inferred the way torch infers it: all bools give torch.bool, ints give
    torch.int64, any float gives the default float dtype (torch.float32).
    """
    # TODO: torch.tensor infers the dtype; torch.Tensor does not
    raise NotImplementedError("TODO: from_list(data, device)")


def shared_from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor that shares memory with array: a write to either shows in the other.

    Same shape and same dtype as array (float64 stays float64, int32 stays int32).
    """
    # TODO: one function wraps a NumPy array without copying
    raise NotImplementedError("TODO: shared_from_numpy(array)")


def copied_from_numpy(array: np.ndarray, device: torch.device) -> Tensor:
    """An independent copy of array on device: later writes to array do not show in it.

    Same shape and same dtype as array (float64 stays float64, int32 stays int32).
    """
    # TODO: torch.tensor always copies its data
    raise NotImplementedError("TODO: copied_from_numpy(array, device)")


def noise_like(t: Tensor) -> Tensor:
    """Uniform random numbers in [0, 1) with t's shape and device.

    The dtype is t's if t is floating point; for an integer or bool t it is torch.float64,
    what torch.rand_like(t, dtype=float) gives (Python's float means float64 to torch).
    t is not changed.
    """
    # TODO: torch.rand_like, with a dtype= when t is not floating point
    raise NotImplementedError("TODO: noise_like(t)")


def filled_like(t: Tensor, value: float) -> Tensor:
    """A tensor with t's shape, dtype and device, every element equal to value.

    value is converted to t's dtype the way torch converts it (2.7 in an int64 tensor is 2).
    t is not changed.
    """
    # TODO: torch.full_like keeps t's dtype and device
    raise NotImplementedError("TODO: filled_like(t, value)")


def to_numpy(t: Tensor) -> np.ndarray:
    """t's values as a NumPy array of t's shape and the matching NumPy dtype.

    A CPU tensor gives an array that shares its memory (a write to either shows in the
    other), also when t requires grad: .numpy() refuses such a tensor, so detach it first.
    A tensor on another device (CUDA) is copied to the CPU. NumPy has no bfloat16: a
    bfloat16 t gives a float32 array (a copy; exact, since float32 holds every bfloat16).
    t is not changed: its requires_grad, .grad, device, dtype and values stay as they were.
    """
    # TODO: t.numpy() wants a CPU tensor that does not require grad, of a NumPy dtype
    raise NotImplementedError("TODO: to_numpy(t)")
