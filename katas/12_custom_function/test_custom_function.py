"""Tests for kata 12: custom autograd Functions, checked with gradcheck and torch's own ops."""

import pytest
import torch
from torch.autograd.gradcheck import GradcheckError

from torchkatas.harness import assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

# (shape, dim) pairs: last, first, middle and negative dims, length one along dim, and a
# batch of one (a size-one dim that is not dim: it must stay in the result)
CASES = [
    ((7,), 0), ((3, 5), -1), ((4, 6), 0), ((2, 3, 4), 1), ((3, 1), -1), ((2, 4, 5), -2),
    ((1, 5), -1),
]  # fmt: skip
NO_LSE = ("torch.logsumexp", "torch.Tensor.logsumexp", "torch.special.logsumexp")


def rand(seed: int, shape, device, dtype=torch.float64, scale: float = 2.0) -> torch.Tensor:
    gen = torch.Generator().manual_seed(seed)
    return (torch.randn(shape, generator=gen, dtype=torch.float64) * scale).to(device, dtype)


def lse(x: torch.Tensor, dim: int) -> torch.Tensor:
    __tracebackhide__ = True
    with forbid(*NO_LSE, kata=kata, why="Write the stable formula: m + log(sum(exp(x - m)))."):
        try:
            y = kata.logsumexp(x, dim)
        except NotImplementedError:
            raise
        except RuntimeError as err:
            if "size of tensor" not in str(err):
                raise
            raise AssertionError(
                f"logsumexp(x, {dim}) for x of shape {tuple(x.shape)} raised RuntimeError: "
                f"{err} Likely mistake: a reduction along dim without keepdim=True "
                f"(x.amax(dim), or the sum), so it no longer broadcasts against x; keep the "
                f"dim while computing, squeeze(dim) once at the end."
            ) from err
    if not isinstance(y, torch.Tensor):
        raise AssertionError(f"logsumexp returned {type(y).__name__}, expected a tensor.")
    if x.requires_grad and type(y.grad_fn).__name__ != "LogSumExpBackward":
        raise AssertionError(
            f"logsumexp(x, {dim}) has grad_fn {type(y.grad_fn).__name__}, not LogSumExp's "
            f"backward node. Likely mistake: computing it with plain torch ops (autograd "
            f"differentiates those) instead of returning LogSumExp.apply(x, dim)."
        )
    return y


def lse_backward(x: torch.Tensor, dim: int, v: torch.Tensor, what: str) -> torch.Tensor:
    """The gradient of (logsumexp(x, dim) * v).sum() with respect to x."""
    __tracebackhide__ = True
    leaf = x.detach().requires_grad_(True)
    y = lse(leaf, dim)
    try:
        (grad,) = torch.autograd.grad(y, leaf, v)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        text = str(err)
        if "incorrect number of gradients" in text:
            why = (
                "backward must return one gradient per forward input: (grad_x, None), the "
                "None for the int dim."
            )
        elif "size of tensor" in text or "shape" in text:
            why = (
                "grad_output has the reduced shape (dim removed): unsqueeze(ctx.dim) it "
                "before multiplying by the softmax, so it broadcasts along dim; the same for "
                "the saved output in exp(x - out), and at ctx.dim, the dim of this call, "
                "not a fixed -1."
            )
        else:
            why = (
                "backward must return one gradient per forward input, (grad_x, None), and "
                "grad_output has the reduced shape: unsqueeze(ctx.dim) it first."
            )
        raise AssertionError(
            f"{what}: backward raised RuntimeError: {text} Likely mistake: {why}"
        ) from err
    return grad


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_logsumexp_forward_matches_torch(dtype, device):
    for i, (shape, dim) in enumerate(CASES):
        x = rand(i, shape, device, dtype)
        x_copy = x.clone()
        got = lse(x, dim)
        assert_tensor_close(
            x,
            x_copy,
            what=f"the caller's x after logsumexp(x, {dim})",
            mistake="an in-place op on x (x -= m, x.sub_(m)); write x - m, a new tensor.",
        )
        expected = torch.logsumexp(x_copy, dim)
        what = f"logsumexp(x, {dim}) for x of shape {shape}, {dtype}"
        if got.shape != expected.shape:
            if got.shape == torch.logsumexp(x_copy, dim, keepdim=True).shape:
                why = "keepdim left on: the result drops dim, squeeze(dim) at the end."
            elif got.shape == expected.squeeze().shape:
                why = (
                    "squeeze() without a dim also drops the other size-one dims (a batch "
                    "of one); squeeze(dim) removes only the reduced one."
                )
            else:
                why = "reducing over another dim than `dim`."
            raise AssertionError(
                f"{what}: expected shape {tuple(expected.shape)}, got {tuple(got.shape)}. "
                f"Likely mistake: {why}"
            )
        assert_tensor_close(
            got,
            expected,
            what=what,
            mistake="the max or the sum taken along another dim than `dim` (the shape can "
            "still fit), or a wrong formula: m + log(sum(exp(x - m), dim)).",
        )


@pytest.mark.task(1)
def test_logsumexp_of_non_contiguous_input(device):
    x = rand(5, (6, 4), device).T  # a transposed view, (4, 6)
    for dim in (0, 1):
        assert_tensor_close(
            lse(x, dim),
            torch.logsumexp(x, dim),
            what=f"logsumexp(x.T, {dim}) for a transposed (4, 6) view",
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("offset", [1000.0, -1000.0, 88.0])
def test_logsumexp_does_not_overflow(offset, device):
    # exp(89) is inf in float32 and exp(-1000) is 0: only the max-shifted form survives
    for i, (shape, dim) in enumerate(CASES):
        x = rand(10 + i, shape, device, torch.float32) + offset
        got = lse(x, dim)
        what = f"logsumexp(x + {offset:g}, {dim}) for float32 x of shape {shape}"
        if not torch.isfinite(got).all():
            raise AssertionError(
                f"{what} gave {got.flatten()[:4].tolist()}...: overflow or log(0). Likely "
                f"mistake: log(exp(x).sum()) without subtracting the maximum first."
            )
        assert_tensor_close(got, torch.logsumexp(x, dim), what=what)


@pytest.mark.task(1)
def test_logsumexp_default_dim_is_the_last(device):
    for seed, shape in enumerate([(3, 5), (2, 3, 4), (6,)]):
        x = rand(90 + seed, shape, device)
        with forbid(*NO_LSE, kata=kata):
            got = kata.logsumexp(x)
        assert_tensor_close(
            got,
            torch.logsumexp(x, -1),
            what=f"logsumexp(x) with no dim, for x of shape {shape}",
            mistake="the default of dim is not -1 (the signature says dim: int = -1).",
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("dim", [-1, 0])
def test_logsumexp_shifts_each_slice_by_its_own_maximum(dim, device):
    # slices 1000 apart: one global shift leaves the lowest slice at exp(-2000) = 0
    offsets = torch.tensor([1000.0, -1000.0, 0.0, 30.0], device=device)
    x = rand(95, (4, 6), device, torch.float32) + offsets[:, None]
    x = x if dim == -1 else x.T.contiguous()
    got = lse(x, dim)
    what = f"logsumexp(x, {dim}) for float32 slices at +1000, -1000, 0 and 30 along dim"
    if torch.isposinf(got).any():
        raise AssertionError(
            f"{what} gave {got.tolist()}: +inf is overflow. Likely mistake: exp(x) with no "
            f"shift; subtract the maximum first."
        )
    if torch.isneginf(got).any():
        raise AssertionError(
            f"{what} gave {got.tolist()}: -inf for a slice far below the others. Likely "
            f"mistake: one shift for the whole tensor (x.max()) instead of each slice's own "
            f"maximum, x.amax(dim, keepdim=True): the low slice underflows to log(0)."
        )
    assert_tensor_close(got, torch.logsumexp(x, dim), what=what)


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_logsumexp_passes_gradcheck(case, device):
    shape, dim = CASES[case]
    x = rand(20 + case, shape, device).requires_grad_(True)
    what = f"gradcheck of logsumexp(x, {dim}) for x of shape {shape} in float64"
    lse_backward(x, dim, torch.ones_like(torch.logsumexp(x, dim)), what)  # clear errors first
    try:
        torch.autograd.gradcheck(lambda t: lse(t, dim), (x,), eps=1e-6, atol=1e-6)
    except GradcheckError as err:
        raise AssertionError(
            f"{what} failed: the analytical gradient from backward differs from finite "
            f"differences.\n{str(err)[:600]}\nLikely mistake: a wrong formula in backward "
            f"(d lse / dx is softmax(x) along dim, times grad_output unsqueezed at dim)."
        ) from None


@pytest.mark.task(2)
@pytest.mark.parametrize("case", range(len(CASES)))
def test_logsumexp_backward_weights_by_grad_output(case, device):
    shape, dim = CASES[case]
    x = rand(30 + case, shape, device)
    v = rand(40 + case, torch.logsumexp(x, dim).shape, device)
    what = f"the gradient of (logsumexp(x, {dim}) * v).sum() for x of shape {shape}"
    got = lse_backward(x, dim, v, what)
    softmax = torch.softmax(x, dim)
    if v.numel() > 1 and torch.allclose(got, softmax):
        raise AssertionError(
            f"{what} is softmax(x) itself: backward ignored grad_output. The chain rule "
            f"multiplies the local derivative by the gradient flowing in."
        )
    assert_tensor_close(got, softmax * v.unsqueeze(dim), what=what, rtol=1e-10, atol=1e-12)


@pytest.mark.task(2)
@pytest.mark.parametrize("offset", [1000.0, -1000.0])
def test_logsumexp_gradient_at_large_inputs(offset, device):
    x = rand(50, (4, 6), device, torch.float32) + offset
    v = torch.ones(4, dtype=torch.float32, device=device)
    what = f"the gradient of logsumexp(x + {offset:g}, -1) in float32"
    out = lse(x, -1)
    if not torch.isfinite(out).all():
        raise AssertionError(
            f"{what}: the forward already gave {out.tolist()}, so the backward's "
            f"exp(x - out) cannot be right. Likely mistake: the forward's max shift; fix "
            f"task 1 first."
        )
    got = lse_backward(x, -1, v, what)
    if not torch.isfinite(got).all():
        raise AssertionError(
            f"{what} has non-finite values: the backward overflowed. Likely mistake: "
            f"exp(x) / exp(x).sum() in backward; use exp(x - out) with the saved output."
        )
    # float32 spacing near 1000 is 6e-5, so x - out carries that much rounding
    assert_tensor_close(got, torch.softmax(x, -1), what=what, rtol=1e-3, atol=1e-4)


# ----------------------------------------------------------------------------- task 3


def binarize(x: torch.Tensor, what: str) -> torch.Tensor:
    __tracebackhide__ = True
    y = kata.binarize(x)
    if not isinstance(y, torch.Tensor):
        raise AssertionError(f"{what} returned {type(y).__name__}, expected a tensor.")
    if x.requires_grad and type(y.grad_fn).__name__ != "BinarizeSTEBackward":
        raise AssertionError(
            f"{what} has grad_fn {type(y.grad_fn).__name__}, not BinarizeSTE's backward "
            f"node, so the gradient through sign/where is a zero gradient. Return "
            f"BinarizeSTE.apply(x) and pass the gradient straight through in its backward."
        )
    return y


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16])
def test_binarize_forward_is_plus_minus_one(dtype, device):
    for seed, shape in enumerate([(), (1,), (9,), (4, 5), (2, 1, 4)]):
        x = rand(60 + seed, shape, device, dtype)
        x.view(-1)[0] = 0.0  # 0 maps to +1
        x_copy = x.clone()
        what = f"binarize(x) for x of shape {shape}, {dtype}"
        got = binarize(x, what)
        assert_tensor_close(
            x,
            x_copy,
            what=f"the caller's x after {what}",
            mistake="writing the +-1 values into x itself (x[x >= 0] = 1, sign_()); return "
            "a new tensor.",
        )
        expected = torch.where(x_copy >= 0, 1.0, -1.0).to(dtype)
        if isinstance(got, torch.Tensor) and got.shape == x.shape:
            at_zero = got.reshape(-1)[0].item()
            if at_zero != 1.0:
                why = (
                    "torch.sign maps 0 to 0"
                    if at_zero == 0.0
                    else "x > 0 sends 0 to -1; the condition is x >= 0"
                )
                raise AssertionError(
                    f"{what} gives {at_zero:g} at x = 0; the docstring asks for +1 there. "
                    f"Likely mistake: {why}."
                )
        assert_tensor_close(got, expected, what=what)


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(4))
def test_binarize_gradient_is_straight_through_inside_unit_interval(seed, device):
    x = rand(70 + seed, (5, 8), device)
    v = rand(80 + seed, (5, 8), device)
    leaf = x.clone().requires_grad_(True)
    what = "the gradient of (binarize(x) * v).sum()"
    (got,) = torch.autograd.grad(binarize(leaf, "binarize(x)"), leaf, v)
    inside = x.abs() <= 1
    if torch.equal(got, torch.zeros_like(got)):
        raise AssertionError(f"{what} is a zero gradient everywhere: nothing passes through.")
    if not torch.equal(got[~inside], torch.zeros_like(got[~inside])):
        raise AssertionError(
            f"{what} is nonzero where |x| > 1: the gradient passed outside [-1, 1] too. "
            f"The clipped straight-through estimator zeroes it there (mask |x| <= 1). "
            f"Likely mistake: no mask at all, or a mask built from the forward's output "
            f"(|+-1| <= 1 everywhere) instead of the saved input x."
        )
    assert_tensor_close(got, torch.where(inside, v, 0.0), what=what)


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_binarize_gradient_passes_at_exactly_plus_minus_one(dtype, device):
    # |x| <= 1 includes the bounds: hardtanh's slope at +-1 is taken as 1 here, as asked
    x = torch.tensor([-1.5, -1.0, -0.5, 0.0, 1.0, 1.5], dtype=dtype, device=device)
    v = torch.tensor([2.0, 3.0, 5.0, 7.0, 11.0, 13.0], dtype=dtype, device=device)
    leaf = x.clone().requires_grad_(True)
    what = f"the gradient of (binarize(x) * v).sum() at x = {x.tolist()} ({dtype})"
    (got,) = torch.autograd.grad(binarize(leaf, "binarize(x)"), leaf, v)
    expected = torch.tensor([0.0, 3.0, 5.0, 7.0, 11.0, 0.0], dtype=dtype, device=device)
    if got[1] == 0 or got[4] == 0:
        raise AssertionError(
            f"{what} is {got.tolist()}: 0 at x = -1 and x = 1. Likely mistake: the mask "
            f"|x| < 1; the docstring passes the gradient where |x| <= 1, bounds included."
        )
    assert_tensor_close(got, expected, what=what)
