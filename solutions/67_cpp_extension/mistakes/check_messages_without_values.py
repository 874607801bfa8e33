"""Mistake: check_inputs raises the right errors with messages that do not say what they got.

"x has the wrong dtype" leaves the caller guessing which dtype it was; a clear message
names the dtype, the shape or the device it found.
"""

import torch
from torch import Tensor

CAUGHT_BY = "should name what it got"
REJECTED_BY = "test_check_inputs_raises_type_error_naming_what_it_got"


def check_inputs(x, weight, eps):
    for name, t in (("x", x), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"rms_norm: {name} must be a torch.Tensor, got {type(t).__name__}")
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError("rms_norm: x has the wrong dtype")
    if weight.dtype != x.dtype:
        raise TypeError(
            f"rms_norm: x and weight dtypes differ: x is {x.dtype}, weight is {weight.dtype}"
        )
    if x.dim() != 2:
        raise ValueError("rms_norm: x must be 2-D")
    if tuple(weight.shape) != (x.shape[1],):
        raise ValueError(
            f"rms_norm: weight must have shape ({x.shape[1]},) for x of shape "
            f"{tuple(x.shape)}, got {tuple(weight.shape)}"
        )
    if isinstance(eps, bool) or not isinstance(eps, int | float):
        raise TypeError(f"rms_norm: eps must be a float, got {type(eps).__name__}")
    if not eps > 0:
        raise ValueError(f"rms_norm: eps must be > 0, got {eps}")
    for name, t in (("x", x), ("weight", weight)):
        if t.device.type != "cpu":
            raise ValueError(
                f"rms_norm: the extension has only a CPU kernel, but {name} is on {t.device}: "
                f"move it with .cpu()"
            )
