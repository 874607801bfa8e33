"""Kata 12: custom autograd Functions (stable log-sum-exp, straight-through). See README.md."""

from typing import Any

import torch
from torch import Tensor


class LogSumExp(torch.autograd.Function):
    """log(sum(exp(x), dim)) with its own forward and backward, stable for large |x|."""

    @staticmethod
    def forward(ctx: Any, x: Tensor, dim: int) -> Tensor:
        """x: floating-point tensor with at least one dimension and finite values; dim: int,
        negative allowed. Returns log(sum(exp(x), dim)) with dim removed (keepdim False), x's
        dtype and device. Subtracts the maximum along dim before exp, so it never overflows
        or underflows to -inf (x = 1000 or -1000 is fine in float32). Saves for backward
        what backward needs. Does not call torch.logsumexp. x is not changed.
        """
        m = x.amax(dim=dim, keepdim=True)  # the largest exp(x - m) is exactly 1: no overflow
        # at least one term is 1, so the sum is >= 1 and the log never sees 0
        out = (m + torch.log(torch.exp(x - m).sum(dim=dim, keepdim=True))).squeeze(dim)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        """grad_output: the output's shape (dim removed). Returns one gradient per forward
        input: (grad_output, broadcast back along dim, times softmax(x, dim); None for dim).
        The softmax is computed from the saved tensors without overflow.
        """
        x, out = ctx.saved_tensors
        # d out / d x_i = exp(x_i - out) = softmax(x)_i, and exp(x_i - out) <= 1 always
        softmax = torch.exp(x - out.unsqueeze(ctx.dim))
        return grad_output.unsqueeze(ctx.dim) * softmax, None  # None: dim is not a tensor


def logsumexp(x: Tensor, dim: int = -1) -> Tensor:
    """LogSumExp applied to x along dim: the result's grad_fn is LogSumExp's backward node."""
    return LogSumExp.apply(x, dim)


class BinarizeSTE(torch.autograd.Function):
    """Binarize to -1 / +1 going forward; a straight-through gradient going back."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        """x: floating-point tensor of any shape. Returns +1 where x >= 0 and -1 elsewhere,
        with x's shape, dtype and device. x is not changed.
        """
        ctx.save_for_backward(x)
        one = torch.ones((), dtype=x.dtype, device=x.device)
        return torch.where(x >= 0, one, -one)

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        """The straight-through estimator clipped to [-1, 1]: grad_output where |x| <= 1, and
        0 where |x| > 1 (the hardtanh derivative), instead of sign's zero derivative.
        """
        (x,) = ctx.saved_tensors
        # pretend the forward was hardtanh: slope 1 inside [-1, 1], 0 outside
        return grad_output * (x.abs() <= 1).to(grad_output.dtype)


def binarize(x: Tensor) -> Tensor:
    """BinarizeSTE applied to x: the result's grad_fn is BinarizeSTE's backward node."""
    return BinarizeSTE.apply(x)
