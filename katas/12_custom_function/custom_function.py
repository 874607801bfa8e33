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
        # TODO: m = amax along dim; m + log(sum(exp(x - m))); ctx.save_for_backward, ctx.dim
        raise NotImplementedError("TODO: LogSumExp.forward")

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> tuple[Tensor, None]:
        """grad_output: the output's shape (dim removed). Returns one gradient per forward
        input: (grad_output, broadcast back along dim, times softmax(x, dim); None for dim).
        The softmax is computed from the saved tensors without overflow.
        """
        # TODO: softmax = exp(x - out), with out and grad_output unsqueezed at ctx.dim
        raise NotImplementedError("TODO: LogSumExp.backward")


def logsumexp(x: Tensor, dim: int = -1) -> Tensor:
    """LogSumExp applied to x along dim: the result's grad_fn is LogSumExp's backward node."""
    # TODO: Functions are called through .apply, never directly
    raise NotImplementedError("TODO: logsumexp(x, dim)")


class BinarizeSTE(torch.autograd.Function):
    """Binarize to -1 / +1 going forward; a straight-through gradient going back."""

    @staticmethod
    def forward(ctx: Any, x: Tensor) -> Tensor:
        """x: floating-point tensor of any shape. Returns +1 where x >= 0 and -1 elsewhere,
        with x's shape, dtype and device. x is not changed.
        """
        # TODO: torch.where(x >= 0, 1, -1) in x's dtype; save x for backward
        raise NotImplementedError("TODO: BinarizeSTE.forward")

    @staticmethod
    def backward(ctx: Any, grad_output: Tensor) -> Tensor:
        """The straight-through estimator clipped to [-1, 1]: grad_output where |x| <= 1, and
        0 where |x| > 1 (the hardtanh derivative), instead of sign's zero derivative.
        """
        # TODO: grad_output times the mask |x| <= 1
        raise NotImplementedError("TODO: BinarizeSTE.backward")


def binarize(x: Tensor) -> Tensor:
    """BinarizeSTE applied to x: the result's grad_fn is BinarizeSTE's backward node."""
    # TODO: BinarizeSTE.apply
    raise NotImplementedError("TODO: binarize(x)")
