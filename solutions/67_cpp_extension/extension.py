"""Kata 67: RMSNorm as a C++ operator built with load_inline. See README.md in this folder."""

from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor

_DTYPES = (torch.float32, torch.float64)  # what AT_DISPATCH_FLOATING_TYPES covers


def rms_norm_reference(x: Tensor, weight: Tensor, eps: float) -> Tensor:
    """RMSNorm of each row, in plain torch operations: the Python op the C++ op must equal.

    x: (N, D) float32 or float64, any strides; weight: (D,) of x's dtype; eps > 0.
    Returns y = x / sqrt(mean(x ** 2 over the row) + eps) * weight, a new (N, D) tensor of
    x's dtype on x's device: y[i, j] = x[i, j] * r[i] * weight[j], with
    r[i] = 1 / sqrt(sum_j x[i, j] ** 2 / D + eps). An all-zero row gives zeros (eps keeps
    r finite). Autograd can differentiate it. x and weight are not changed.
    Do not call torch.nn.functional.rms_norm, torch.rms_norm or torch.nn.RMSNorm.
    """
    r = torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps)  # (N, 1): one scale per row
    return x * r * weight  # (N, D)


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
    for name, t in (("x", x), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"rms_norm: {name} must be a torch.Tensor, got {type(t).__name__}")
    if x.dtype not in _DTYPES:
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
    # a bool is an int to Python, but True as an epsilon is a bug
    if isinstance(eps, bool) or not isinstance(eps, int | float):
        raise TypeError(f"rms_norm: eps must be a float, got {type(eps).__name__}")
    if not eps > 0:  # NaN is not > 0 either
        raise ValueError(f"rms_norm: eps must be > 0, got {eps}")
    for name, t in (("x", x), ("weight", weight)):
        if t.device.type != "cpu":
            raise ValueError(
                f"rms_norm: the extension has only a CPU kernel, but {name} is on {t.device}: "
                f"move it with .cpu()"
            )


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
        ctx.save_for_backward(x, weight)
        ctx.eps = eps
        return kernel(x, weight, eps)

    @staticmethod
    def backward(
        ctx: torch.autograd.function.FunctionCtx, grad_out: Tensor
    ) -> tuple[Tensor, Tensor, None, None]:
        """The gradients of y = x * r * weight, written by hand: one per input of forward.

        grad_out: (N, D). Returns (grad_x (N, D), grad_weight (D,), None, None): None for
        eps and kernel, which are not tensors. Written with torch operations only; do not
        call torch.autograd.grad or .backward() in here.
        """
        x, weight = ctx.saved_tensors
        d = x.shape[-1]
        r = torch.rsqrt(x.pow(2).sum(dim=-1, keepdim=True) / d + ctx.eps)  # (N, 1)
        grad_weight = (grad_out * x * r).sum(dim=0)  # (D,): weight is shared by every row
        g = grad_out * weight  # (N, D): the gradient of x * r
        # r depends on the whole row: dr/dx[i, k] = -r[i] ** 3 * x[i, k] / D
        grad_x = r * g - x * r.pow(3) * (g * x).sum(dim=-1, keepdim=True) / d
        return grad_x, grad_weight, None, None


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
    return _CPP_SOURCE


_CPP_SOURCE = r"""
#include <cmath>

// y[i, j] = x[i, j] * r[i] * weight[j], r[i] = 1 / sqrt(mean_j x[i, j]^2 + eps)
at::Tensor rms_norm_cpu(const at::Tensor& x, const at::Tensor& weight, double eps) {
  TORCH_CHECK(x.dim() == 2, "kata67::rms_norm: x must be 2-D (N, D), got shape ", x.sizes());
  TORCH_CHECK(weight.dim() == 1 && weight.size(0) == x.size(1),
              "kata67::rms_norm: weight must have shape (", x.size(1), ") for x of shape ",
              x.sizes(), ", got ", weight.sizes());
  TORCH_CHECK(x.scalar_type() == weight.scalar_type(), "kata67::rms_norm: x is ",
              x.scalar_type(), " but weight is ", weight.scalar_type());
  at::Tensor out = at::empty(x.sizes(), x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "kata67::rms_norm", [&] {
    // accessors index through the strides: transposed or sliced inputs need no copy
    auto X = x.accessor<scalar_t, 2>();
    auto W = weight.accessor<scalar_t, 1>();
    auto Y = out.accessor<scalar_t, 2>();
    const int64_t n = x.size(0), d = x.size(1);
    for (int64_t i = 0; i < n; ++i) {
      double sum = 0.0;  // accumulate in double, even for float32 rows
      for (int64_t j = 0; j < d; ++j) sum += double(X[i][j]) * double(X[i][j]);
      const double r = 1.0 / std::sqrt(sum / double(d) + eps);
      for (int64_t j = 0; j < d; ++j) Y[i][j] = static_cast<scalar_t>(X[i][j] * r * W[j]);
    }
  });
  return out;
}

TORCH_LIBRARY(kata67, m) {
  m.def("rms_norm(Tensor x, Tensor weight, float eps) -> Tensor");
}

TORCH_LIBRARY_IMPL(kata67, CPU, m) {
  m.impl("rms_norm", &rms_norm_cpu);
}
"""


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
    from torch.utils.cpp_extension import load_inline  # imports setuptools: only when needed

    load_inline(
        name="kata67",
        cpp_sources=cpp_source(),
        is_python_module=False,  # the library registers torch.ops.kata67.*; no Python module
        build_directory=str(build_directory),
    )
    return torch.ops.kata67.rms_norm


def rms_norm(x: Tensor, weight: Tensor, eps: float = 1e-6) -> Tensor:
    """RMSNorm through the C++ op, differentiable: the op a user calls.

    Checks the inputs first with check_inputs (so a bad input raises its TypeError or
    ValueError before the op is looked up or called), then returns
    RMSNormFunction.apply(x, weight, eps, torch.ops.kata67.rms_norm). Needs load_op to have
    run in this process. x (N, D) and weight (D,) as check_inputs accepts them; returns a
    new (N, D) tensor that requires grad when x or weight does. x and weight are not changed.
    """
    check_inputs(x, weight, eps)
    return RMSNormFunction.apply(x, weight, eps, torch.ops.kata67.rms_norm)
