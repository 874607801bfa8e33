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
    return {
        "shape": tuple(t.shape),
        "dtype": t.dtype,
        "device": t.device,
        "layout": t.layout,
        "ndim": t.dim(),
        "numel": t.numel(),
    }


def from_list(data: Any, device: torch.device) -> Tensor:
    """A tensor holding the (possibly nested) Python list data, on device.

    The dtype is inferred the way torch infers it: all bools give torch.bool, ints give
    torch.int64, any float gives the default float dtype (torch.float32).
    """
    return torch.tensor(data, device=device)


def shared_from_numpy(array: np.ndarray) -> Tensor:
    """A CPU tensor that shares memory with array: a write to either shows in the other.

    Same shape and same dtype as array (float64 stays float64, int32 stays int32).
    """
    return torch.from_numpy(array)


def copied_from_numpy(array: np.ndarray, device: torch.device) -> Tensor:
    """An independent copy of array on device: later writes to array do not show in it.

    Same shape and same dtype as array (float64 stays float64, int32 stays int32).
    """
    return torch.tensor(array, device=device)


def noise_like(t: Tensor) -> Tensor:
    """Uniform random numbers in [0, 1) with t's shape and device.

    The dtype is t's if t is floating point; for an integer or bool t it is torch.float64,
    what torch.rand_like(t, dtype=float) gives (Python's float means float64 to torch).
    t is not changed.
    """
    if t.is_floating_point():
        return torch.rand_like(t)
    return torch.rand_like(t, dtype=float)  # Python float is torch.float64


def filled_like(t: Tensor, value: float) -> Tensor:
    """A tensor with t's shape, dtype and device, every element equal to value.

    value is converted to t's dtype the way torch converts it (2.7 in an int64 tensor is 2).
    t is not changed.
    """
    return torch.full_like(t, value)


def to_numpy(t: Tensor) -> np.ndarray:
    """t's values as a NumPy array of t's shape and the matching NumPy dtype.

    A CPU tensor gives an array that shares its memory (a write to either shows in the
    other), also when t requires grad: .numpy() refuses such a tensor, so detach it first.
    A tensor on another device (CUDA) is copied to the CPU. NumPy has no bfloat16: a
    bfloat16 t gives a float32 array (a copy; exact, since float32 holds every bfloat16).
    t is not changed: its requires_grad, .grad, device, dtype and values stay as they were.
    """
    t = t.detach()  # same storage, no graph: .numpy() accepts it; the caller's t keeps its flags
    if t.dtype == torch.bfloat16:
        t = t.float()  # NumPy has no bfloat16; float32 holds every bfloat16 value exactly
    return t.cpu().numpy()  # .cpu() returns t itself on the CPU, a copy from any other device
