"""Kata 67: RMSNorm as a C++ operator built with load_inline. See README.md in this folder."""

from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor


def rms_norm_reference(x: Tensor, weight: Tensor, eps: float) -> Tensor:
    """RMSNorm of each row, in plain torch operations: the Python op the C++ op must equal.

    x: (N, D) float32 or float64, any strides; weight: (D,) of x's dtype; eps > 0.
    Returns y = x / sqrt(mean(x ** 2 over the row) + eps) * weight, a new (N, D) tensor of
    x's dtype on x's device: y[i, j] = x[i, j] * r[i] * weight[j], with
    r[i] = 1 / sqrt(sum_j x[i, j] ** 2 / D + eps). An all-zero row gives zeros (eps keeps
    r finite). Autograd can differentiate it. x and weight are not changed.
    Do not call torch.nn.functional.rms_norm, torch.rms_norm or torch.nn.RMSNorm.
    """
    # TODO: r = 1 / sqrt(mean of x ** 2 over each row + eps), one value per row (keepdim),
    # then x * r * weight
    raise NotImplementedError("TODO: rms_norm_reference(x, weight, eps)")


def check_inputs(x: Tensor, weight: Tensor, eps: float) -> None:
    """Raise a clear error unless (x, weight, eps) are inputs the C++ kernel accepts.

    Accepted: x (N, D) and weight (D,), both torch.float32 or both torch.float64, both on
    the CPU, with any strides (non-contiguous is fine), any N and D (0 and 1 included),
    requiring grad or not; eps a Python float or int > 0. Returns None and changes nothing.
    Raises TypeError when x or weight is not a torch.Tensor, when x's dtype is not float32
    or float64, when weight's dtype differs from x's, or when eps is not a float or an int
    (a bool is not accepted). Raises ValueError when x is not 2-D, when weight's shape is
    not (D,), when eps is not > 0, or when x or weight is not on the CPU (the extension
    has only a CPU kernel). Every message names what it got: the dtype (e.g. "float16"),
    the shape (e.g. "(2, 3, 4)"), the device (e.g. "meta") or the value of eps.
    """
    # TODO: isinstance checks, then dtype, shapes, eps and device, each with its own
    # message that shows what it got
    raise NotImplementedError("TODO: check_inputs(x, weight, eps)")


class RMSNormFunction(torch.autograd.Function):
    """y = kernel(x, weight, eps) forward, and RMSNorm's gradient written by hand backward."""

    @staticmethod
    def forward(
        ctx: torch.autograd.function.FunctionCtx,
        x: Tensor,
        weight: Tensor,
        eps: float,
        kernel: Callable[[Tensor, Tensor, float], Tensor],
    ) -> Tensor:
        """Return kernel(x, weight, eps) and save what backward needs.

        x: (N, D), weight: (D,), eps: float, kernel: a function with rms_norm_reference's
        maths (the C++ op in rms_norm; the tests also pass a Python one), called once.
        Save tensors with ctx.save_for_backward, so that autograd notices when the caller
        changes x or weight in place before backward (it then raises RuntimeError).
        """
        # TODO: ctx.save_for_backward(...), keep eps on ctx, return kernel(x, weight, eps)
        raise NotImplementedError("TODO: RMSNormFunction.forward")

    @staticmethod
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad_out: Tensor
    ) -> tuple[Tensor, Tensor, None, None]:
        """The gradients of y = x * r * weight, written by hand: one per input of forward.

        grad_out: (N, D). Returns (grad_x (N, D), grad_weight (D,), None, None): None for
        eps and kernel, which are not tensors. Written with torch operations only; do not
        call torch.autograd.grad or .backward() in here.
        """
        # TODO: recompute r from the saved x; the gradient for weight sums over the rows;
        # the gradient for x has two terms, because r depends on the whole row
        raise NotImplementedError("TODO: RMSNormFunction.backward")


def cpp_source() -> str:
    """The C++ source of the op, for load_inline's cpp_sources (load_inline adds the
    #include <torch/extension.h>).

    It must register, under TORCH_LIBRARY(kata67, m), the schema
        "rms_norm(Tensor x, Tensor weight, float eps) -> Tensor"
    and, under TORCH_LIBRARY_IMPL(kata67, CPU, m), a CPU kernel with rms_norm_reference's
    maths for float32 and float64 (AT_DISPATCH_FLOATING_TYPES) that
    - reads x and weight through their strides (tensor accessors), so non-contiguous
      inputs give the right answer;
    - returns a new (N, D) tensor of x's dtype and never writes into x or weight;
    - raises (TORCH_CHECK) when x is not 2-D, when weight's shape is not (D,), or when the
      dtypes differ, with a message that shows the shapes or dtypes it got.
    The library only registers the op (no PYBIND11_MODULE is needed); Python calls it as
    torch.ops.kata67.rms_norm(x, weight, eps).
    """
    # TODO: return a C++ string (r"""...""") with this shape:
    #   at::Tensor rms_norm_cpu(const at::Tensor& x, const at::Tensor& weight, double eps) {
    #     TORCH_CHECK(...);                      // shapes and dtypes, with x.sizes() in the text
    #     at::Tensor out = at::empty(x.sizes(), x.options());
    #     AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "kata67::rms_norm", [&] {
    #       auto X = x.accessor<scalar_t, 2>();  // ... loop over rows, then over columns
    #     });
    #     return out;
    #   }
    #   TORCH_LIBRARY(kata67, m) { m.def("rms_norm(Tensor x, ...) -> Tensor"); }
    #   TORCH_LIBRARY_IMPL(kata67, CPU, m) { m.impl("rms_norm", &rms_norm_cpu); }
    raise NotImplementedError("TODO: cpp_source()")


def load_op(build_directory: str | Path) -> Callable[..., Tensor]:
    """Compile cpp_source() with torch.utils.cpp_extension.load_inline and return the op.

    build_directory: an existing folder, chosen by the caller, where the build goes (the
    tests use one folder per source text, under the repository's ignored
    .cache/torch_extensions); a second call with the same source reuses the build.
    Build it as a library that only registers ops (is_python_module=False), and return
    torch.ops.kata67.rms_norm. The first build takes about a minute. A process can load
    only one library that defines TORCH_LIBRARY(kata67, ...): loading a second, built from
    a different source, aborts the process (so the tests run this in a child process).
    """
    # TODO: torch.utils.cpp_extension.load_inline(name=..., cpp_sources=cpp_source(),
    # is_python_module=False, build_directory=str(build_directory)), then return the op
    raise NotImplementedError("TODO: load_op(build_directory)")


def rms_norm(x: Tensor, weight: Tensor, eps: float = 1e-6) -> Tensor:
    """RMSNorm through the C++ op, differentiable: the op a user calls.

    Checks the inputs first with check_inputs (so a bad input raises its TypeError or
    ValueError before the op is looked up or called), then returns
    RMSNormFunction.apply(x, weight, eps, torch.ops.kata67.rms_norm). Needs load_op to have
    run in this process. x (N, D) and weight (D,) as check_inputs accepts them; returns a
    new (N, D) tensor that requires grad when x or weight does. x and weight are not changed.
    """
    # TODO: check_inputs first, then RMSNormFunction.apply(..., torch.ops.kata67.rms_norm)
    raise NotImplementedError("TODO: rms_norm(x, weight, eps)")
