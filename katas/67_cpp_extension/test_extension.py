"""Tests for kata 67: RMSNorm in C++ (load_inline), checked against torch.nn.functional.rms_norm.

Tasks 1-3 (the Python op, the input checks, the autograd Function) need no compiler: they
run here, on the `device` fixture's device, in well under a second. Tasks 4-5 build the
C++ op. A process can load only one library that defines TORCH_LIBRARY(kata67, ...) (a
second one, built from another source, aborts the process in torch 2.14), so the op is
built and exercised in one spawned child process per implementation (the learner's, the
solution, each planted mistake), like kata 59's ranks; every slow test reads that child's
report. Each source text builds in its own folder, .cache/torch_extensions/kata67_<hash>,
so a rebuild happens only when the C++ changes: about a minute cold, well under a second
cached.

The extension has only a CPU kernel: under --device cuda the C++ op is still run on CPU
tensors, and a `cuda` test checks that CUDA tensors are refused clearly.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch.autograd.gradcheck import GradcheckError

from torchkatas.harness import (
    CONFIG,
    ImplRef,
    NotStarted,
    assert_raises,
    assert_tensor_close,
    forbid,
    load_kata,
    not_started_site,
)
from torchkatas.launch import RanksFailed, run_ranks

kata = load_kata(__file__)

DTYPES = (torch.float32, torch.float64)
# float32: the kernels differ in summation order (and the C++ one sums in double);
# float64: rounding only. Stated in the README too.
TOL = {torch.float32: {"rtol": 1e-5, "atol": 1e-6}, torch.float64: {"rtol": 1e-10, "atol": 1e-12}}
SHAPES = ((1, 1), (1, 7), (6, 1), (4, 9), (9, 4), (13, 32), (0, 5))
LAYOUTS = ("transposed", "sliced", "offset", "expanded")
TORCH_RMS_NORM = ("torch.nn.functional.rms_norm", "torch.rms_norm")
AUTOGRAD_CALLS = ("torch.autograd.grad", "torch.autograd.backward", "torch.Tensor.backward")
BUILD_TIMEOUT_S = 600  # a cold build is about a minute; a loaded 2-core machine is slower
SCHEMA = "kata67::rms_norm(Tensor x, Tensor weight, float eps) -> Tensor"


# ----------------------------------------------------------------------------- inputs


def oracle(x: torch.Tensor, weight: torch.Tensor, eps: float) -> torch.Tensor:
    """torch's own RMSNorm, computed in float64 and returned in x's dtype."""
    return F.rms_norm(x.double(), (x.shape[-1],), weight.double(), eps).to(x.dtype)


def make_inputs(gen, shape, dtype, layout="contiguous", device="cpu"):
    """(x, weight) of shape (N, D) and (D,), laid out as `layout` says, values of any scale.

    Drawn on the CPU (seeded), moved to `device`, then viewed: the layout survives the move.
    """
    n, d = shape
    scale = 10 ** float(torch.empty(()).uniform_(-2, 2, generator=gen))

    def draw(*size):
        return (torch.randn(*size, generator=gen, dtype=dtype) * scale).to(device)

    if layout == "contiguous":
        x = draw(n, d)
    elif layout == "transposed":  # strides (1, N)
        x = draw(d, n).t()
    elif layout == "sliced":  # every other column: strides (2D, 2)
        x = draw(n, 2 * d)[:, ::2]
    elif layout == "offset":  # a window of a larger tensor: storage offset, row stride D + 2
        x = draw(n + 1, d + 2)[1:, 2:]
    elif layout == "expanded":  # one row repeated with stride 0, inside a larger storage
        x = draw(n, d)[:1].expand(n, d)
    else:
        raise ValueError(layout)
    if layout == "contiguous":
        weight = torch.randn(d, generator=gen, dtype=dtype).to(device) + 1.5
    else:  # a strided weight too
        weight = (torch.randn(2 * d, generator=gen, dtype=dtype).to(device) + 1.5)[::2]
    return x, weight


def op_cases() -> list[tuple[str, torch.Tensor, torch.Tensor, float]]:
    """The C++ op's inputs (CPU), the same in this process and in the child: seeded."""
    gen = torch.Generator().manual_seed(67)
    cases = []
    for dtype in DTYPES:
        name = str(dtype).removeprefix("torch.")
        for shape in SHAPES:
            eps = (1e-6, 1e-5, 0.1)[len(cases) % 3]
            x, w = make_inputs(gen, shape, dtype)
            cases.append((f"contiguous {name} {shape}", x, w, eps))
        for layout in LAYOUTS:
            for shape in ((5, 8), (1, 3)):
                x, w = make_inputs(gen, shape, dtype, layout)
                cases.append((f"{layout} {name} {shape}", x, w, 1e-6))
        x = torch.randn(3, 6, generator=gen, dtype=dtype)
        x[1] = 0.0  # an all-zero row: eps keeps it finite
        cases.append((f"zero row {name} (3, 6)", x, torch.ones(6, dtype=dtype), 1e-5))
    return cases


def describe_input(x: torch.Tensor, weight: torch.Tensor) -> str:
    layout = "" if x.is_contiguous() else f" strides {x.stride()}"
    return (
        f"x {tuple(x.shape)} {str(x.dtype).removeprefix('torch.')}{layout}, "
        f"weight {tuple(weight.shape)}"
    )


def shape_pattern(shape) -> str:
    """A regular expression for a shape as a message may print it: (2, 3), [2, 3], (5,)."""
    inner = ", ".join(str(s) for s in shape)
    return r"[\[(]" + re.escape(inner) + r",?[\])]"


# ----------------------------------------------------------------------------- naming mistakes


def wrong_references(x, weight, eps) -> dict[str, torch.Tensor]:
    """Known wrong versions of the Python op, in float64, to name what a learner did."""
    x, w = x.double(), weight.double()
    mean_sq = x.pow(2).mean(-1, keepdim=True)
    by_column = x * torch.rsqrt(x.pow(2).mean(0, keepdim=True) + eps) * w
    eps_outside = x / (mean_sq.sqrt() + eps) * w
    summed = x * torch.rsqrt(x.pow(2).sum(-1, keepdim=True) + eps) * w
    no_weight = x * torch.rsqrt(mean_sq + eps)
    return {
        "normalised each column (a mean over dim 0) instead of each row: take the mean of "
        "x ** 2 over the last dimension, keepdim=True.": by_column,
        "eps added after the square root: eps belongs inside the square root, "
        "1 / sqrt(mean(x ** 2) + eps).": eps_outside,
        "the sum of x ** 2 where RMSNorm takes its mean (divide by D).": summed,
        "weight was not applied (multiply by weight last).": no_weight,
    }


def name_reference_mistake(got, x, weight, eps, default: str) -> str:
    """Which known wrong version `got` equals (when it differs from the right answer)."""
    expected = oracle(x, weight, eps).double()
    if not isinstance(got, torch.Tensor):
        return default
    for why, variant in wrong_references(x, weight, eps).items():
        if variant.shape != got.shape or variant.numel() == 0:
            continue
        tol = {"rtol": 1e-4, "atol": 1e-6}
        differs = not torch.allclose(variant, expected, **tol)
        if differs and torch.allclose(got.detach().double().to(variant.device), variant, **tol):
            return why
    return default


# ----------------------------------------------------------------------------- task 1


def call_reference(x, weight, eps):
    __tracebackhide__ = True
    with forbid(*TORCH_RMS_NORM, kata=kata):
        return kata.rms_norm_reference(x, weight, eps)


def check_reference(x, weight, eps, what, default):
    __tracebackhide__ = True
    got = call_reference(x, weight, eps)
    assert_tensor_close(
        got,
        oracle(x, weight, eps),
        what=what,
        mistake=name_reference_mistake(got, x, weight, eps, default),
        **TOL[x.dtype],
    )


@pytest.mark.task(1)
def test_reference_equals_torch_rms_norm(device):
    gen = torch.Generator().manual_seed(1)
    for dtype in DTYPES:
        for shape in SHAPES:
            for eps in (1e-6, 0.1):
                x, w = make_inputs(gen, shape, dtype, device=device)
                check_reference(
                    x,
                    w,
                    eps,
                    f"rms_norm_reference({describe_input(x, w)}, eps={eps})",
                    "y = x / sqrt(mean(x ** 2 over each row) + eps) * weight.",
                )


@pytest.mark.task(1)
def test_reference_keeps_eps_inside_the_square_root(device):
    gen = torch.Generator().manual_seed(2)
    x = torch.randn(4, 6, generator=gen, dtype=torch.float64).to(device) * 1e-3
    w = torch.ones(6, dtype=torch.float64, device=device)
    got = call_reference(x, w, 1e-2)
    assert_tensor_close(
        got,
        oracle(x, w, 1e-2),
        what="rms_norm_reference(x of values near 1e-3, weight of ones, eps=1e-2)",
        mistake=name_reference_mistake(
            got,
            x,
            w,
            1e-2,
            "for rows this small, where eps goes decides the answer: inside the square "
            "root, 1 / sqrt(mean(x ** 2) + eps).",
        ),
    )


@pytest.mark.task(1)
def test_reference_turns_an_all_zero_row_into_zeros(device):
    x = torch.tensor([[3.0, 4.0], [0.0, 0.0]], device=device)
    w = torch.tensor([1.0, 2.0], device=device)
    got = call_reference(x, w, 1e-6)
    nan = isinstance(got, torch.Tensor) and bool(got.isnan().any())
    assert_tensor_close(
        got,
        oracle(x, w, 1e-6),
        what="rms_norm_reference(tensor([[3., 4.], [0., 0.]]), tensor([1., 2.]), eps=1e-6)",
        mistake="the zero row divided by sqrt(0) (NaN): add eps before the square root."
        if nan
        else name_reference_mistake(got, x, w, 1e-6, "each row divided by its own RMS."),
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_reference_handles_non_contiguous_inputs(layout, device):
    gen = torch.Generator().manual_seed(3)
    for dtype in DTYPES:
        x, w = make_inputs(gen, (5, 8), dtype, layout, device)
        check_reference(
            x,
            w,
            1e-6,
            f"rms_norm_reference({describe_input(x, w)}, eps=1e-6), {layout}",
            "an operation that assumes contiguous memory (.view on a transposed tensor?).",
        )


@pytest.mark.task(1)
def test_reference_does_not_change_its_inputs(device):
    gen = torch.Generator().manual_seed(4)
    x, w = make_inputs(gen, (4, 5), torch.float32, device=device)
    x_before, w_before = x.clone(), w.clone()
    call_reference(x, w, 1e-6)
    for name, now, before in (("x", x, x_before), ("weight", w, w_before)):
        if not torch.equal(now, before):
            raise AssertionError(
                f"rms_norm_reference(x (4, 5), weight (5,), 1e-6) changed the caller's {name}. "
                f"Likely mistake: an in-place operation (mul_, div_, *=) on the input; build "
                f"a new tensor instead."
            )


@pytest.mark.task(1)
def test_reference_is_differentiable(device):
    gen = torch.Generator().manual_seed(5)
    x, w = make_inputs(gen, (3, 7), torch.float64, device=device)
    x.requires_grad_(True)
    w.requires_grad_(True)
    g = torch.randn(3, 7, generator=gen, dtype=torch.float64).to(device)
    got = call_reference(x, w, 1e-3)
    what = "rms_norm_reference(x (3, 7) float64 requires_grad, weight requires_grad, 1e-3)"
    if not isinstance(got, torch.Tensor) or got.grad_fn is None:
        raise AssertionError(
            f"{what} returned a tensor without a graph (grad_fn None). Likely mistake: "
            f"torch.no_grad(), .detach() or .item() inside the reference."
        )
    grads = torch.autograd.grad(got, (x, w), g)
    expected = torch.autograd.grad(F.rms_norm(x, (7,), w, 1e-3), (x, w), g)
    for name, a, e in zip(("x", "weight"), grads, expected, strict=True):
        assert_tensor_close(a, e, what=f"{what}: the gradient for {name}")


# ----------------------------------------------------------------------------- task 2


def valid_inputs(gen) -> list[tuple[str, torch.Tensor, torch.Tensor, float]]:
    """Inputs the C++ kernel accepts (CPU tensors: the kernel is CPU-only, on any --device)."""
    cases = []
    for dtype in DTYPES:
        for layout in ("contiguous", "transposed", "sliced"):
            x, w = make_inputs(gen, (4, 6), dtype, layout)
            cases.append((f"{layout} {dtype}", x, w, 1e-6))
    x, w = make_inputs(gen, (0, 3), torch.float32)
    cases.append(("N = 0", x, w, 1e-6))
    x, w = make_inputs(gen, (2, 1), torch.float64)
    cases.append(("D = 1, eps an int", x, w, 1))
    x, w = make_inputs(gen, (3, 0), torch.float32)
    cases.append(("D = 0", x, w, 1e-6))
    x, w = make_inputs(gen, (3, 4), torch.float32)
    cases.append(("requiring grad, tiny eps", x.requires_grad_(), w.requires_grad_(), 1e-30))
    return cases


@pytest.mark.task(2)
def test_check_inputs_accepts_every_valid_input():
    gen = torch.Generator().manual_seed(6)
    for label, x, w, eps in valid_inputs(gen):
        before = (x.detach().clone(), w.detach().clone(), x.requires_grad, w.requires_grad)
        what = f"check_inputs({describe_input(x, w)}, eps={eps!r}) ({label}, all valid)"
        try:
            result = kata.check_inputs(x, w, eps)
        except (TypeError, ValueError) as err:
            raise AssertionError(
                f"{what} raised {type(err).__name__}: {err}. These inputs are valid: any "
                f"strides, any N and D, float32 or float64, eps > 0 (an int too)."
            ) from err
        if result is not None:
            raise AssertionError(f"{what} returned {result!r}; expected None.")
        after = (x.detach(), w.detach(), x.requires_grad, w.requires_grad)
        if not (torch.equal(before[0], after[0]) and torch.equal(before[1], after[1])):
            raise AssertionError(
                f"{what} changed the values of x or weight; expected a check that only reads. "
                f"Likely mistake: an in-place op on an input (a cast or fill written back)."
            )
        if before[2:] != after[2:]:
            raise AssertionError(
                f"{what} changed requires_grad of x or weight (before {before[2:]}, after "
                f"{after[2:]}); expected them untouched. Likely mistake: requires_grad_() "
                f"called on the caller's tensors."
            )


def bad_type_cases(gen):
    x, w = make_inputs(gen, (2, 3), torch.float32)
    xd, wd = x.double(), w.double()
    return [
        ("x a list", x.tolist(), w, 1e-6, "list", "x must be a torch.Tensor."),
        ("weight a list", x, w.tolist(), 1e-6, "list", "weight must be a torch.Tensor."),
        ("int64", x.long(), w.long(), 1e-6, "int64", "the kernel covers float32 or float64 only."),
        ("float16", x.half(), w.half(), 1e-6, "float16", "only float32 or float64 pass."),
        ("bfloat16", x.bfloat16(), w.bfloat16(), 1e-6, "bfloat16", "only float32 or float64 pass."),
        ("x float32, weight float64", x, wd, 1e-6, "float64", "x and weight dtypes differ."),
        ("x float64, weight float32", xd, w, 1e-6, "float32", "x and weight dtypes differ."),
        ("eps a string", x, w, "1e-6", "str", "eps must be a float or an int."),
        ("eps a bool", x, w, True, "bool", "eps must be a float or an int, and True is neither."),
        ("eps None", x, w, None, "None", "eps must be a float or an int."),
    ]


@pytest.mark.task(2)
@pytest.mark.parametrize("case", range(10), ids=lambda i: f"case{i}")
def test_check_inputs_raises_type_error_naming_what_it_got(case):
    label, x, w, eps, named, why = bad_type_cases(torch.Generator().manual_seed(7))[case]
    tensors = isinstance(x, torch.Tensor) and isinstance(w, torch.Tensor)
    shown = describe_input(x, w) if tensors else label
    what = f"check_inputs({shown}, eps={eps!r}) with {label}"
    if "differ" in why:
        mistake = (
            "x and weight dtypes differ and this was not refused: the kernel reads both "
            "through one scalar type, so their dtypes must be the same."
        )
    elif "float32 or float64" in why:
        mistake = (
            f"{label} was let through: the kernel (AT_DISPATCH_FLOATING_TYPES) covers float32 "
            f"or float64 only; is_floating_point() also admits float16 and bfloat16."
        )
    else:
        mistake = why
    err = assert_raises(TypeError, kata.check_inputs, x, w, eps, what=what, mistake=mistake)
    if named not in str(err):
        raise AssertionError(
            f"{what} raised TypeError({str(err)!r}); the message should name what it got: "
            f"{named!r}."
        )


def bad_value_cases(gen):
    x, w = make_inputs(gen, (2, 3), torch.float32)
    return [
        ("x 1-D", x[0], w, 1e-6, shape_pattern((3,)), "x must be 2-D (N, D)."),
        ("x 3-D", x[None], w, 1e-6, shape_pattern((1, 2, 3)), "x must be 2-D (N, D)."),
        ("weight too long", x, torch.ones(4), 1e-6, shape_pattern((4,)), "weight must be (D,)."),
        ("weight 2-D", x, w[None], 1e-6, shape_pattern((1, 3)), "weight must be (D,)."),
        ("weight 0-d", x, w[0], 1e-6, r"\(\)|\[\]", "weight must be (D,)."),
        ("eps = 0", x, w, 0.0, r"0", "eps = 0 was let through: eps must be > 0 (not >= 0)."),
        ("eps < 0", x, w, -1e-6, r"-1e-06", "eps must be > 0."),
        ("eps NaN", x, w, math.nan, r"nan", "eps must be > 0, and NaN > 0 is False."),
    ]


@pytest.mark.task(2)
@pytest.mark.parametrize("case", range(8), ids=lambda i: f"case{i}")
def test_check_inputs_raises_value_error_naming_what_it_got(case):
    label, x, w, eps, pattern, why = bad_value_cases(torch.Generator().manual_seed(8))[case]
    what = f"check_inputs({describe_input(x, w)}, eps={eps!r}) with {label}"
    err = assert_raises(ValueError, kata.check_inputs, x, w, eps, what=what, mistake=why)
    if not re.search(pattern, str(err), re.IGNORECASE):
        raise AssertionError(
            f"{what} raised ValueError({str(err)!r}); the message should name what it got "
            f"(the shape, or the value of eps)."
        )


@pytest.mark.task(2)
def test_check_inputs_refuses_tensors_off_the_cpu(device):
    """check_inputs refuses tensors off the CPU (meta here; CUDA under --device cuda)"""
    other = device if device.type != "cpu" else torch.device("meta")
    gen = torch.Generator().manual_seed(9)
    x, w = make_inputs(gen, (2, 3), torch.float32)
    for label, xi, wi in (
        (f"x and weight on {other}", x.to(other), w.to(other)),
        (f"x on the CPU, weight on {other}", x, w.to(other)),
        (f"x on {other}, weight on the CPU", x.to(other), w),
    ):
        what = f"check_inputs({describe_input(xi, wi)}, 1e-6) with {label}"
        err = assert_raises(
            ValueError,
            kata.check_inputs,
            xi,
            wi,
            1e-6,
            what=what,
            mistake="the extension has only a CPU kernel: refuse x or weight when "
            "t.device.type != 'cpu', and say so.",
        )
        if other.type not in str(err).lower():
            raise AssertionError(
                f"{what} raised ValueError({str(err)!r}); the message should name what it "
                f"got, the device {other.type!r}, and say that the extension has only a CPU "
                f"kernel."
            )


# ----------------------------------------------------------------------------- task 3


class OracleKernel:
    """A stand-in for the C++ op: torch's RMSNorm, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, x, weight, eps):
        self.calls += 1
        return F.rms_norm(x, (x.shape[-1],), weight, eps)


def expected_grads(x, w, eps, g, wrt=(0, 1)):
    inputs = (x.detach().requires_grad_(), w.detach().requires_grad_())
    y = F.rms_norm(inputs[0], (x.shape[-1],), inputs[1], eps)
    return torch.autograd.grad(y, [inputs[i] for i in wrt], g)


def learner_grads(y, inputs, g, what):
    """torch.autograd.grad through the learner's Function, its failures explained."""
    __tracebackhide__ = True
    try:
        return torch.autograd.grad(y, inputs, g)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        text = str(err)
        if "incorrect number of gradients" in text:
            why = (
                "backward must return one gradient per input of forward (x, weight, eps, "
                "kernel): (grad_x, grad_weight, None, None)."
            )
        elif "invalid gradient at index 1" in text:
            why = (
                "weight's gradient must have weight's shape (D,): weight is shared by every "
                "row, so sum over the rows (dim 0) of grad_out * x * r."
            )
        elif "invalid gradient at index 0" in text:
            why = "x's gradient must have x's shape (N, D)."
        else:
            raise
        raise AssertionError(f"{what}: {text.splitlines()[0]} Likely mistake: {why}") from None


def grad_x_mistake(got, x, w, eps, g) -> str:
    """Name the usual wrong gradient of x when it is what `got` holds."""
    x, w, g = x.detach(), w.detach(), g.detach()
    r = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    naive = g * w * r
    if got.shape == naive.shape and torch.allclose(got, naive, rtol=1e-6, atol=1e-9):
        return (
            "x's gradient is missing the term through the row's RMS: r depends on every "
            "x in its row, so grad_x = r * gw - x * r ** 3 * mean(gw * x over the row), "
            "with gw = grad_out * weight."
        )
    return "grad_x = r * gw - x * r ** 3 * mean(gw * x over the row), gw = grad_out * weight."


def grad_w_mistake(got, x, eps, g) -> str:
    x, g = x.detach(), g.detach()
    r = torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    over_columns = (g * x * r).sum(1)
    if got.shape == over_columns.shape and torch.allclose(got, over_columns, rtol=1e-6):
        return (
            "summed over the columns (dim 1): weight is shared by every row, so sum over "
            "the rows (dim 0) of grad_out * x * r."
        )
    return "grad_weight = (grad_out * x * r).sum(dim=0)."


@pytest.mark.task(3)
def test_function_forward_returns_the_kernels_output(device):
    gen = torch.Generator().manual_seed(10)
    x, w = make_inputs(gen, (4, 5), torch.float32, device=device)
    x.requires_grad_(True)
    kernel = OracleKernel()
    what = "RMSNormFunction.apply(x (4, 5) requires_grad, weight (5,), 1e-6, kernel)"
    y = kata.RMSNormFunction.apply(x, w, 1e-6, kernel)
    assert_tensor_close(y, F.rms_norm(x.detach(), (5,), w, 1e-6), what=what)
    if y.grad_fn is None:
        raise AssertionError(f"{what} returned a tensor with no grad_fn: it is not differentiable.")
    torch.autograd.grad(y, x, torch.ones_like(y))
    if kernel.calls != 1:
        raise AssertionError(
            f"{what}, then backward: kernel was called {kernel.calls} times; expected once, "
            f"in forward. Likely mistake: "
            + (
                "forward computes the result itself instead of calling kernel(x, weight, eps)."
                if kernel.calls == 0
                else "kernel called again (in backward?): backward needs only saved tensors."
            )
        )


@pytest.mark.task(3)
def test_function_backward_matches_torch_autograd(device):
    gen = torch.Generator().manual_seed(11)
    for shape in ((4, 6), (5, 5), (1, 3), (7, 1)):
        for eps in (1e-6, 0.5):
            x, w = make_inputs(gen, shape, torch.float64, device=device)
            x.requires_grad_(True)
            w.requires_grad_(True)
            g = torch.randn(shape, generator=gen, dtype=torch.float64).to(device)
            what = (
                f"RMSNormFunction.apply(x {shape}, weight ({shape[1]},), {eps}, kernel), backward"
            )
            y = kata.RMSNormFunction.apply(x, w, eps, OracleKernel())
            got = learner_grads(y, (x, w), g, what)
            want = expected_grads(x, w, eps, g)
            assert_tensor_close(
                got[0],
                want[0],
                what=f"{what}: the gradient for x",
                mistake=grad_x_mistake(got[0], x, w, eps, g),
            )
            assert_tensor_close(
                got[1],
                want[1],
                what=f"{what}: the gradient for weight",
                mistake=grad_w_mistake(got[1], x, eps, g),
            )


@pytest.mark.task(3)
def test_function_passes_gradcheck_in_float64(device):
    gen = torch.Generator().manual_seed(12)
    for layout in ("contiguous", "transposed"):
        x, w = make_inputs(gen, (3, 5), torch.float64, layout, device)
        x = x.detach().requires_grad_(True)
        w = w.detach().requires_grad_(True)

        def fn(a, b):
            return kata.RMSNormFunction.apply(a, b, 1e-3, OracleKernel())

        what = f"gradcheck(RMSNormFunction.apply, ({describe_input(x, w)}), eps 1e-3)"
        try:
            torch.autograd.gradcheck(fn, (x, w))
        except GradcheckError as err:
            raise AssertionError(
                f"{what} failed: {str(err).splitlines()[0]} Likely mistake: the hand-written "
                f"backward differs from the numerical derivative (see the other task 3 tests)."
            ) from None


@pytest.mark.task(3)
def test_function_gives_gradients_when_only_one_input_requires_grad(device):
    gen = torch.Generator().manual_seed(13)
    for wrt, name in ((0, "x"), (1, "weight")):
        x, w = make_inputs(gen, (4, 3), torch.float64, device=device)
        inputs = [x, w]
        inputs[wrt].requires_grad_(True)
        g = torch.randn(4, 3, generator=gen, dtype=torch.float64).to(device)
        what = f"RMSNormFunction.apply(x (4, 3), weight (3,), ...) where only {name} requires grad"
        y = kata.RMSNormFunction.apply(x, w, 1e-6, OracleKernel())
        (got,) = learner_grads(y, (inputs[wrt],), g, what)
        (want,) = expected_grads(x, w, 1e-6, g, wrt=(wrt,))
        assert_tensor_close(got, want, what=f"{what}: the gradient for {name}")


@pytest.mark.task(3)
def test_backward_is_written_by_hand_and_returns_four_values(device):
    gen = torch.Generator().manual_seed(14)
    x, w = make_inputs(gen, (3, 4), torch.float64, device=device)
    x.requires_grad_(True)
    w.requires_grad_(True)
    g = torch.randn(3, 4, generator=gen, dtype=torch.float64).to(device)
    y = kata.RMSNormFunction.apply(x, w, 1e-6, OracleKernel())
    what = "RMSNormFunction.backward(ctx, grad_out (3, 4)), called directly"
    with forbid(
        *AUTOGRAD_CALLS,
        kata=kata,
        reason="which lets autograd derive the gradient; backward must compute it by hand",
        why="Derive d(x * r * weight) and write it with torch operations.",
    ):
        grads = y.grad_fn.apply(g)  # the learner's backward, with ctx = this graph node
    grads = grads if isinstance(grads, tuple) else (grads,)
    if len(grads) != 4:
        raise AssertionError(
            f"{what} returned {len(grads)} values; backward must return one gradient per "
            f"input of forward (x, weight, eps, kernel): (grad_x, grad_weight, None, None)."
        )
    for i, name in ((2, "eps"), (3, "kernel")):
        if grads[i] is not None:
            raise AssertionError(
                f"{what} returned {type(grads[i]).__name__} for {name}; expected None: "
                f"{name} is not a tensor and has no gradient."
            )
    for i, (name, shape) in enumerate((("x", (3, 4)), ("weight", (4,)))):
        if not isinstance(grads[i], torch.Tensor) or tuple(grads[i].shape) != shape:
            got = tuple(grads[i].shape) if isinstance(grads[i], torch.Tensor) else grads[i]
            raise AssertionError(
                f"{what} returned {got} as the gradient for {name}; expected a tensor of "
                f"shape {shape}, {name}'s own shape."
            )


@pytest.mark.task(3)
def test_saved_tensors_notice_an_in_place_change_before_backward(device):
    gen = torch.Generator().manual_seed(15)
    x, w = make_inputs(gen, (3, 4), torch.float64, device=device)
    x.requires_grad_(True)
    w.requires_grad_(True)
    y = kata.RMSNormFunction.apply(x, w, 1e-6, OracleKernel())
    with torch.no_grad():
        x.mul_(2.0)  # the caller changes x after forward
    what = "RMSNormFunction.apply(x, weight, ...), then x.mul_(2.0) under no_grad, then backward"
    try:
        torch.autograd.grad(y, (x, w), torch.ones_like(y))
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "modified by an inplace operation" in str(err):
            return  # autograd caught it: the saved tensors carry their versions
        raise
    raise AssertionError(
        f"{what} ran without an error, using the changed x, so its gradients are silently "
        f"wrong. Likely mistake: tensors kept as ctx attributes (ctx.x = x); save them with "
        f"ctx.save_for_backward(x, weight), which checks their versions."
    )


# ----------------------------------------------------------------------------- task 5, cheap


@pytest.mark.task(5)
def test_rms_norm_checks_its_inputs_before_calling_the_op(device):
    """rms_norm refuses bad inputs with check_inputs' errors, before touching the op"""
    gen = torch.Generator().manual_seed(16)
    x, w = make_inputs(gen, (2, 3), torch.float32)
    other = device if device.type != "cpu" else torch.device("meta")
    # this process never loads the extension: only check_inputs can answer these
    for expected, xi, wi, eps, label in (
        (TypeError, x.half(), w.half(), 1e-6, "float16 inputs"),
        (TypeError, x, w.double(), 1e-6, "dtypes that differ"),
        (ValueError, x[None], w, 1e-6, "x of shape (1, 2, 3)"),
        (ValueError, x, w, 0.0, "eps = 0"),
        (ValueError, x.to(other), w.to(other), 1e-6, f"tensors on {other}"),
    ):
        try:
            kata.check_inputs(xi, wi, eps)
        except expected:
            pass  # check_inputs refuses it: so must rms_norm
        except NotImplementedError:
            raise
        except Exception:
            continue  # check_inputs itself is wrong here: task 2's tests report it
        else:
            continue
        assert_raises(
            expected,
            kata.rms_norm,
            xi,
            wi,
            eps,
            what=f"rms_norm({describe_input(xi, wi)}, {eps}) with {label}",
            mistake="rms_norm must call check_inputs(x, weight, eps) first, before "
            "torch.ops.kata67.rms_norm is looked up or called.",
        )


# ----------------------------------------------------------------------------- tasks 4-5, C++


def _outcome(fn, *args) -> dict[str, Any]:
    """Run fn(*args) in the child: its value, or its error as text (tensors pickle back)."""
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            value = fn(*args)
    except Exception as err:
        return {
            "ok": False,
            "type": type(err).__name__,
            "runtime": isinstance(err, RuntimeError),
            "message": str(err),
            "not_started": not_started_site(err),
        }
    return {"ok": True, "value": value, "warnings": [str(w.message) for w in caught]}


def _probe_in_child(
    rank: int, world_size: int, refs: dict[str, ImplRef], build_dir: str, device_type: str
) -> dict[str, Any]:
    """Runs in the spawned child: build the op, run everything the slow tests check."""
    # nothing goes to ~/.cache, even if load_op ignores build_directory
    os.environ["TORCH_EXTENSIONS_DIR"] = str(Path(build_dir).parent)
    load_op, rms_norm = refs["load_op"].resolve(), refs["rms_norm"].resolve()
    report: dict[str, Any] = {"load": _outcome(load_op, build_dir)}
    if not report["load"]["ok"]:
        return report
    op = torch.ops.kata67.rms_norm
    files = {p.name: p.stat().st_mtime_ns for p in Path(build_dir).iterdir()}
    report["files"] = sorted(files)
    report["returned_op"] = report["load"]["value"] in (op, op.default)
    report["load"]["value"] = repr(report["load"]["value"])
    again = _outcome(load_op, build_dir)  # the same source again: reuses the build
    report["second_load_ok"] = again["ok"] and again["value"] in (op, op.default)
    report["second_load_error"] = None if again["ok"] else again["message"]
    report["rebuilt"] = sorted(
        p.name
        for p in Path(build_dir).iterdir()
        if p.suffix == ".so" and files.get(p.name) != p.stat().st_mtime_ns
    )
    report["schema"] = str(op.default._schema)
    main = Path(build_dir) / "main.cpp"  # load_inline writes the source it builds there
    built = main.read_text(encoding="utf-8") if main.is_file() else None
    report["built_cpp_source"] = built is None or refs["cpp_source"].resolve()() in built

    def run(fn, x, w, *rest):
        before = (x.clone(), w.clone())
        result = _outcome(fn, x, w, *rest)
        result["changed_inputs"] = not (torch.equal(x, before[0]) and torch.equal(w, before[1]))
        if result["ok"] and isinstance(result["value"], torch.Tensor):
            out = result["value"]
            result["shares_storage"] = out.numel() > 0 and out.untyped_storage().data_ptr() in {
                x.untyped_storage().data_ptr(),
                w.untyped_storage().data_ptr(),
            }
            result["requires_grad"] = out.requires_grad
            result["value"] = out.detach()
        return result

    report["op"] = [run(op, x, w, eps) for _, x, w, eps in op_cases()]
    x, w = make_inputs(torch.Generator().manual_seed(17), (4, 5), torch.float32)
    report["bad"] = {
        "x 3-D": run(op, x[None], w, 1e-6),
        "weight too long": run(op, x, torch.ones(7), 1e-6),
        "dtypes differ": run(op, x, w.double(), 1e-6),
        "int64": run(op, x.long(), w.long(), 1e-6),
    }
    report["rms_norm"] = [run(rms_norm, x, w, eps) for _, x, w, eps in op_cases()]
    report["rms_norm_default_eps"] = run(rms_norm, x, w)
    grads = []
    gen = torch.Generator().manual_seed(18)
    for layout in ("contiguous", "transposed"):
        xg, wg = make_inputs(gen, (5, 6), torch.float64, layout)
        xg, wg = xg.detach().requires_grad_(), wg.detach().requires_grad_()
        g = torch.randn(5, 6, generator=gen, dtype=torch.float64)

        def both(a, b, up, eps=1e-3):
            y = rms_norm(a, b, eps)
            return torch.autograd.grad(y, (a, b), up)

        grads.append(_outcome(both, xg, wg, g))
    report["grads"] = grads
    xg, wg = make_inputs(gen, (3, 4), torch.float64)
    report["gradcheck"] = _outcome(
        torch.autograd.gradcheck,
        lambda a, b: rms_norm(a, b, 1e-3),
        (xg.requires_grad_(), wg.requires_grad_()),
    )
    if device_type == "cuda":
        xc, wc = x.to(device_type), w.to(device_type)
        report["cuda"] = {"op": run(op, xc, wc, 1e-6), "rms_norm": run(rms_norm, xc, wc, 1e-6)}
    return report


_REPORTS: dict[tuple[Any, ...], Any] = {}  # one child per implementation, source and device


def build_dir_for(source: str) -> Path:
    """One folder per source text: a changed source never reuses, or rebuilds over, another."""
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    return CONFIG.repo_root / ".cache" / "torch_extensions" / f"kata67_{digest}"


def child_report(tmp_path: Path, device: torch.device) -> dict[str, Any]:
    """The child's report for the implementation under test (built and run once)."""
    __tracebackhide__ = True
    source = kata.cpp_source()
    if not isinstance(source, str):
        raise AssertionError(f"cpp_source() returned {type(source).__name__}; expected a str.")
    refs = {name: kata.ref(name) for name in ("load_op", "rms_norm", "cpp_source")}
    key = (refs["rms_norm"], source, device.type)
    if key not in _REPORTS:
        build_dir = build_dir_for(source)
        build_dir.mkdir(parents=True, exist_ok=True)
        try:
            (_REPORTS[key],) = run_ranks(
                ImplRef(Path(__file__), None, "_probe_in_child"),
                1,
                (refs, str(build_dir), device.type),
                tmp_path=tmp_path,
                timeout=BUILD_TIMEOUT_S,
                label="load_op(build_directory) and the op, in a child process",
            )
        except (RanksFailed, NotImplementedError) as err:
            _REPORTS[key] = err
    report = _REPORTS[key]
    if isinstance(report, BaseException):
        raise report.with_traceback(None)
    check_outcome(report["load"], "load_op(build_directory)")
    return report


def check_outcome(outcome: dict[str, Any], what: str) -> Any:
    """The value a probe returned, or its error, reported from the test."""
    __tracebackhide__ = True
    if outcome["ok"]:
        return outcome["value"]
    if outcome["not_started"] is not None:
        function, path = outcome["not_started"]
        raise NotStarted(f"{what}: {function}() is not implemented yet", function, path)
    message = outcome["message"]
    hint = ""
    if "Error building extension" in message:
        hint = (
            " The C++ did not compile: the compiler's errors are above (main.cpp is "
            "cpp_source() with `#include <torch/extension.h>` put first)."
        )
    raise AssertionError(f"{what} raised {outcome['type']}: {message[:4000]}{hint}")


def check_op_result(result, x, w, eps, what, mistake):
    __tracebackhide__ = True
    got = check_outcome(result, what)
    assert_tensor_close(got, oracle(x, w, eps), what=what, mistake=mistake, **TOL[x.dtype])
    if result["changed_inputs"]:
        raise AssertionError(
            f"{what} changed the caller's x or weight; it must write a new tensor."
        )
    if result["shares_storage"]:
        raise AssertionError(
            f"{what} returned a tensor sharing memory with x or weight; expected a new tensor."
        )
    if result["warnings"]:
        raise AssertionError(f"{what} warned: {result['warnings'][0]}")


@pytest.mark.task(4)
@pytest.mark.slow
@pytest.mark.timeout(BUILD_TIMEOUT_S + 120)
def test_load_op_builds_in_its_folder_and_registers_the_schema(tmp_path, device):
    report = child_report(tmp_path, device)
    what = "load_op(build_directory)"
    if not report["returned_op"]:
        raise AssertionError(
            f"{what} returned {report['load']['value']}; expected torch.ops.kata67.rms_norm."
        )
    if report["schema"] != SCHEMA:
        raise AssertionError(
            f"{what} registered the schema {report['schema']!r}; expected {SCHEMA!r}. Likely "
            f"mistake: m.def(...) in TORCH_LIBRARY(kata67, m) with other names or types."
        )
    if not report["built_cpp_source"]:
        raise AssertionError(
            f"{what} built a main.cpp that does not hold cpp_source(): pass "
            f"cpp_sources=cpp_source() to load_inline."
        )
    if not any(name.endswith(".so") or name.endswith(".pyd") for name in report["files"]):
        raise AssertionError(
            f"{what} left {report['files']} in build_directory and no library: pass "
            f"build_directory=str(build_directory) to load_inline."
        )
    if not report["second_load_ok"] or report["rebuilt"]:
        raise AssertionError(
            f"{what} called a second time with the same source "
            + (
                f"raised: {report['second_load_error']}"
                if report["second_load_error"]
                else f"rebuilt {report['rebuilt']}"
            )
            + "; it should reuse the build."
        )


@pytest.mark.task(4)
@pytest.mark.slow
@pytest.mark.timeout(BUILD_TIMEOUT_S + 120)
def test_cpp_op_equals_the_python_op(tmp_path, device):
    report = child_report(tmp_path, device)
    for (label, x, w, eps), result in zip(op_cases(), report["op"], strict=True):
        if not (x.is_contiguous() and w.is_contiguous()):
            continue  # non-contiguous inputs: the next test
        check_op_result(
            result,
            x,
            w,
            eps,
            f"torch.ops.kata67.rms_norm({describe_input(x, w)}, {eps}) ({label})",
            "the kernel's maths: y[i][j] = x[i][j] * r * w[j], r = 1 / sqrt(sum_j "
            "x[i][j]^2 / D + eps), a sum over each row in double.",
        )


@pytest.mark.task(4)
@pytest.mark.slow
@pytest.mark.timeout(BUILD_TIMEOUT_S + 120)
def test_cpp_op_reads_non_contiguous_inputs_through_their_strides(tmp_path, device):
    report = child_report(tmp_path, device)
    for (label, x, w, eps), result in zip(op_cases(), report["op"], strict=True):
        if x.is_contiguous() and w.is_contiguous():
            continue
        check_op_result(
            result,
            x,
            w,
            eps,
            f"torch.ops.kata67.rms_norm({describe_input(x, w)}, {eps}) ({label}, non-contiguous)",
            "the kernel indexes data_ptr() as if the tensors were contiguous (x[i * D + j]); "
            "non-contiguous inputs need their strides: use x.accessor<scalar_t, 2>(), or "
            "call .contiguous() first.",
        )


@pytest.mark.task(4)
@pytest.mark.slow
@pytest.mark.timeout(BUILD_TIMEOUT_S + 120)
def test_cpp_op_rejects_bad_inputs_with_a_clear_error(tmp_path, device):
    report = child_report(tmp_path, device)
    expected = {  # what the message must show
        "x 3-D": (shape_pattern((1, 4, 5)), "the shape of x, (1, 4, 5)"),
        "weight too long": (shape_pattern((7,)), "the shape of weight, (7,)"),
        "dtypes differ": (r"(?=.*(Float|float32))(?=.*(Double|float64))", "both dtypes"),
        "int64": (r"Long|int64", "the dtype, Long"),
    }
    for label, (pattern, shown) in expected.items():
        result = report["bad"][label]
        what = f"torch.ops.kata67.rms_norm(...) with {label}, x (4, 5), weight (5,)"
        if result["ok"]:
            raise AssertionError(
                f"{what} returned a tensor; expected a RuntimeError. Likely mistake: no "
                f"TORCH_CHECK for this in the kernel, which then reads the wrong memory."
            )
        if not result["runtime"]:
            raise AssertionError(
                f"{what} raised {result['type']}; TORCH_CHECK raises RuntimeError."
            )
        if not re.search(pattern, result["message"], re.DOTALL):
            raise AssertionError(
                f"{what} raised RuntimeError({result['message'].splitlines()[0][:200]!r}); the "
                f'message should show {shown}: TORCH_CHECK(cond, "...", x.sizes()) prints it.'
            )


@pytest.mark.task(5)
@pytest.mark.slow
@pytest.mark.timeout(BUILD_TIMEOUT_S + 120)
def test_rms_norm_equals_the_python_op(tmp_path, device):
    report = child_report(tmp_path, device)
    for (label, x, w, eps), result in zip(op_cases(), report["rms_norm"], strict=True):
        check_op_result(
            result,
            x,
            w,
            eps,
            f"rms_norm({describe_input(x, w)}, {eps}) ({label})",
            "rms_norm returns RMSNormFunction.apply(x, weight, eps, torch.ops.kata67.rms_norm).",
        )
        if result["requires_grad"]:
            raise AssertionError(
                f"rms_norm({describe_input(x, w)}, {eps}) of inputs that do not require grad "
                f"returned a tensor that requires grad; expected one that does not. Likely "
                f"mistake: an input (or the result) made to require grad, e.g. "
                f"requires_grad_() on a copy of x or weight."
            )
    x, w = make_inputs(torch.Generator().manual_seed(17), (4, 5), torch.float32)
    check_op_result(
        report["rms_norm_default_eps"],
        x,
        w,
        1e-6,
        "rms_norm(x (4, 5), weight (5,)) with the default eps",
        "the default eps is 1e-6.",
    )


@pytest.mark.task(5)
@pytest.mark.slow
@pytest.mark.timeout(BUILD_TIMEOUT_S + 120)
def test_rms_norm_gradients_flow_through_the_cpp_op(tmp_path, device):
    report = child_report(tmp_path, device)
    gen = torch.Generator().manual_seed(18)
    for layout, result in zip(("contiguous", "transposed"), report["grads"], strict=True):
        x, w = make_inputs(gen, (5, 6), torch.float64, layout)
        g = torch.randn(5, 6, generator=gen, dtype=torch.float64)
        what = f"torch.autograd.grad(rms_norm({describe_input(x, w)}, 1e-3), (x, weight))"
        grads = check_outcome(result, what)
        for name, got, want in zip(
            ("x", "weight"), grads, expected_grads(x, w, 1e-3, g), strict=True
        ):
            assert_tensor_close(
                got,
                want,
                what=f"{what}: the gradient for {name}",
                mistake="rms_norm must go through RMSNormFunction.apply, whose backward "
                "task 3 checks.",
            )
    check_outcome(report["gradcheck"], "gradcheck(rms_norm, (x (3, 4), weight (4,)) float64)")


@pytest.mark.task(5)
@pytest.mark.slow
@pytest.mark.cuda
@pytest.mark.timeout(BUILD_TIMEOUT_S + 120)
def test_cuda_tensors_are_refused_clearly(tmp_path, device):
    """the op has only a CPU kernel: CUDA tensors get a clear error, from the op and rms_norm"""
    report = child_report(tmp_path, device)
    op, wrapper = report["cuda"]["op"], report["cuda"]["rms_norm"]
    if op["ok"] or "CUDA" not in op["message"]:
        raise AssertionError(
            "torch.ops.kata67.rms_norm(x, weight) on CUDA tensors should fail in the "
            "dispatcher (no CUDA kernel registered); got "
            + ("a result" if op["ok"] else repr(op["message"][:200]))
        )
    if wrapper["ok"] or wrapper["type"] != "ValueError" or "cuda" not in wrapper["message"]:
        raise AssertionError(
            "rms_norm(x, weight) on CUDA tensors should raise check_inputs' ValueError naming "
            "the device; got " + ("a result" if wrapper["ok"] else wrapper["type"])
        )
