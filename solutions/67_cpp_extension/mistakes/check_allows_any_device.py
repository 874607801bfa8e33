"""Mistake: check_inputs never looks at the device.

A CUDA (or meta) tensor then reaches the op, which has only a CPU kernel, and fails with
the dispatcher's long message instead of a plain "move it to the CPU".
"""

import torch
from torch import Tensor

CAUGHT_BY = "only a CPU kernel"
REJECTED_BY = "test_check_inputs_refuses_tensors_off_the_cpu"


def check_inputs(x, weight, eps):
    for name, t in (("x", x), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"rms_norm: {name} must be a torch.Tensor, got {type(t).__name__}")
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"rms_norm: x must be float32 or float64, got {x.dtype}")
    if weight.dtype != x.dtype:
        raise TypeError(
            f"rms_norm: x and weight dtypes differ: x is {x.dtype}, weight is {weight.dtype}"
        )
    if x.dim() != 2:
        raise ValueError(f"rms_norm: x must be 2-D (N, D), got shape {tuple(x.shape)}")
    if tuple(weight.shape) != (x.shape[1],):
        raise ValueError(
            f"rms_norm: weight must have shape ({x.shape[1]},) for x of shape "
            f"{tuple(x.shape)}, got {tuple(weight.shape)}"
        )
    if isinstance(eps, bool) or not isinstance(eps, int | float):
        raise TypeError(f"rms_norm: eps must be a float, got {type(eps).__name__}")
    if not eps > 0:
        raise ValueError(f"rms_norm: eps must be > 0, got {eps}")
