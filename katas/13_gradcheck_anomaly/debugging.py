"""Kata 13: debugging gradients and numerics: gradcheck, detect_anomaly, float64. See README."""

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
    # TODO: detached float64 copies with requires_grad; gradcheck(raise_exception=False)
    raise NotImplementedError("TODO: backward_is_correct(fn, *inputs)")


def first_nan_op(fn: Callable[..., Tensor], *inputs: Tensor) -> str | None:
    """The autograd node whose backward first returns NaN when backpropagating fn(*inputs).

    fn: maps the inputs to a tensor; inputs: floating-point tensors. Runs the forward and
    fn(*inputs).sum().backward() on detached copies that require grad, with anomaly
    detection on and NaN checking (torch.autograd.detect_anomaly(check_nan=True)), and
    returns the failing node's name as autograd reports it, e.g. "LogBackward0"; returns
    None if the backward produces no NaN. Anomaly detection is off again afterwards (also
    when fn raises), and the caller's tensors are unchanged. Other errors propagate.
    """
    # TODO: catch the RuntimeError "Function 'XBackward0' returned nan values ..." and
    # read the name out of its message
    raise NotImplementedError("TODO: first_nan_op(fn, *inputs)")


def forward_is_stable(
    fn: Callable[[Tensor], Tensor], make_input: Callable[[torch.Generator], Tensor]
) -> bool:
    """Whether fn, computed in float32, stays finite and close to a float64 reference.

    fn: maps a floating-point tensor to a tensor (elementwise, or reducing like softmax or
    log-sum-exp). make_input(gen): draws one float64 input of moderate size inside fn's
    domain from the torch.Generator gen, e.g. torch.randn(4, 6, generator=gen,
    dtype=torch.float64); it may return the same tensor every time, and that tensor must
    not be changed. For a few draws x from a generator the function seeds itself, tries x,
    x * 1e3 (magnitudes around 1e3, each sign kept) and x * 1e-6 (values near 0). Each
    trial rounds its input to float32, x32, and compares out = fn(x32) with the reference
    ref = fn(x32.double()): the same values, so only fn's float32 arithmetic is judged, not
    the rounding of the input. Returns False if out or ref has a non-finite value (inf or
    nan), or if (out - ref).abs().max() > 1e-4 * ref.abs().max(), a relative error of the
    whole output; True otherwise, as a Python bool.
    """
    # TODO: x32 = (x * scale).float(); out, ref = fn(x32), fn(x32.double());
    # torch.isfinite on both, then the relative error against the tolerance
    raise NotImplementedError("TODO: forward_is_stable(fn, make_input)")
