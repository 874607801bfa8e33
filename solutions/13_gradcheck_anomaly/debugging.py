"""Kata 13: debugging gradients with gradcheck and detect_anomaly. See README.md."""

import re
from collections.abc import Callable

import torch
from torch import Tensor


def backward_is_correct(fn: Callable[..., Tensor], *inputs: Tensor) -> bool:
    """Whether fn's backward agrees with finite differences, by torch.autograd.gradcheck.

    fn: maps the inputs to a tensor, through torch ops or custom autograd Functions.
    inputs: one or more floating-point tensors of any dtype (float32 included) and device.
    Runs gradcheck on float64 copies that require grad (eps=1e-6, atol=1e-5, rtol=1e-3) and
    returns True if the analytical gradients match, False if they do not. A wrong gradient
    never raises and nothing warns. The caller's tensors keep their dtype, values,
    requires_grad and .grad.
    """
    # float32 finite differences are too coarse to tell a bug from rounding
    copies = tuple(x.detach().to(torch.float64).requires_grad_(True) for x in inputs)
    return torch.autograd.gradcheck(
        fn, copies, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False
    )


def first_nan_op(fn: Callable[..., Tensor], *inputs: Tensor) -> str | None:
    """The autograd node whose backward first returns NaN when backpropagating fn(*inputs).

    fn: maps the inputs to a tensor; inputs: floating-point tensors. Runs the forward and
    fn(*inputs).sum().backward() on detached copies that require grad, with anomaly
    detection on and NaN checking (torch.autograd.detect_anomaly(check_nan=True)), and
    returns the failing node's name as autograd reports it, e.g. "LogBackward0"; returns
    None if the backward produces no NaN. Anomaly detection is off again afterwards (also
    when fn raises), and the caller's tensors are unchanged. Other errors propagate.
    """
    copies = [x.detach().clone().requires_grad_(True) for x in inputs]
    # on during the forward too, so the error can point at the forward line that made the node
    with torch.autograd.detect_anomaly(check_nan=True):
        try:
            fn(*copies).sum().backward()
        except RuntimeError as err:
            found = _NAN_NODE.search(str(err))
            if found is None:
                raise  # a different error: not ours to hide
            return found.group(1)
    return None


# the message anomaly mode raises: "Function 'LogBackward0' returned nan values in its 0th output."
_NAN_NODE = re.compile(r"Function '(\w+)' returned nan values")
