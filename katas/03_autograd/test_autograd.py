"""Tests for kata 03: derivatives with autograd, checked against analytic derivatives."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

# float64 and a tolerance far below what finite differences reach (about 1e-10 at best)
TIGHT = {"rtol": 1e-12, "atol": 1e-12}
SHAPES = [(), (1,), (7,), (3, 4), (2, 3, 5)]


@dataclass(frozen=True)
class Fn:
    """An elementwise function with its first and second derivatives, written by hand."""

    name: str
    f: Callable[[torch.Tensor], torch.Tensor]
    df: Callable[[torch.Tensor], torch.Tensor]
    d2f: Callable[[torch.Tensor], torch.Tensor]


def _sigmoid_d2(x):
    s = torch.sigmoid(x)
    return s * (1 - s) * (1 - 2 * s)


BASIS = [
    Fn("sin", torch.sin, torch.cos, lambda x: -torch.sin(x)),
    Fn("exp", torch.exp, torch.exp, torch.exp),
    Fn(
        "tanh",
        torch.tanh,
        lambda x: 1 - torch.tanh(x) ** 2,
        lambda x: -2 * torch.tanh(x) * (1 - torch.tanh(x) ** 2),
    ),
    Fn("cube", lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x),
    Fn(
        "log1p_sq",
        lambda x: torch.log1p(x**2),
        lambda x: 2 * x / (1 + x**2),
        lambda x: (2 - 2 * x**2) / (1 + x**2) ** 2,
    ),
    Fn("sigmoid", torch.sigmoid, lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x)), _sigmoid_d2),
]


def random_function(seed: int) -> Fn:
    """a * g(b * x) + c * h(x) for random basis functions g, h and coefficients a, b, c."""
    gen = torch.Generator().manual_seed(seed)
    i, j = torch.randint(len(BASIS), (2,), generator=gen).tolist()
    a, b, c = (torch.rand(3, generator=gen, dtype=torch.float64) * 2 - 1).tolist()
    g, h = BASIS[i], BASIS[j]
    return Fn(
        f"{a:.3f}*{g.name}({b:.3f}*x) + {c:.3f}*{h.name}(x)",
        lambda x: a * g.f(b * x) + c * h.f(x),
        lambda x: a * b * g.df(b * x) + c * h.df(x),
        lambda x: a * b * b * g.d2f(b * x) + c * h.d2f(x),
    )


def random_point(seed: int, shape, device, dtype=torch.float64) -> torch.Tensor:
    gen = torch.Generator().manual_seed(10_000 + seed)
    return (torch.rand(shape, generator=gen, dtype=torch.float64) * 4 - 2).to(device, dtype)


def describe(x: torch.Tensor) -> str:
    return f"shape {tuple(x.shape)}, {x.dtype}"


def _all_close(a: torch.Tensor, b: torch.Tensor, rtol: float, atol: float) -> bool:
    return bool(torch.isclose(a, b, rtol=rtol, atol=atol).all())


def why_wrong(got, expected: torch.Tensor, first: torch.Tensor | None = None) -> str:
    """The likely cause of wrong derivative values, judged from the values themselves.

    Only a pattern the evidence pins is named; otherwise the candidates are listed.
    `first` is f' when `expected` is f'' (so returning f', or f' + f'', is recognised).
    """
    generic = (
        "these are not the derivative of f: differentiate f(leaf).sum() with respect to a "
        "fresh leaf made from x (x.detach().requires_grad_()), and return that leaf's gradient."
    )
    if not isinstance(got, torch.Tensor) or got.shape != expected.shape:
        return "a wrong shape: f is elementwise, so the result has x's shape (no reduction)."
    g, e = got.detach().to(expected.device, torch.float64), expected.detach().double()
    if first is not None:
        f1 = first.detach().double()
        if _all_close(g, f1, **TIGHT):
            return "returned the first derivative: differentiate it once more."
        if _all_close(g, f1 + e, **TIGHT):
            return (
                ".grad accumulated: the result is f' + f'', the second derivative added to "
                "the first one already in leaf.grad (.grad adds up, it is never overwritten). "
                "Use torch.autograd.grad, which returns gradients instead of adding them."
            )
    if first is not None and bool((g == 0).all()) and bool((e.abs() > 1e-3).any()):
        return (
            "all zeros, the answer for a linear f, but this f is not linear: the first "
            "derivative looked constant (it did not require grad), so a linear-f shortcut "
            "returned zeros. Likely: the first derivative was taken without create_graph=True, "
            "or detached, or computed from a tensor that does not require grad."
        )
    if bool((e.abs() > 1e-3).any()):
        for k in (2, 3, 4):
            if _all_close(g, k * e, **TIGHT):
                return (
                    f".grad accumulated {k} times: the result is exactly {k} times the "
                    f"derivative, so backward() ran {k} times into the same leaf (.grad adds up, "
                    f"it is never overwritten): call it once, or use torch.autograd.grad. Or a "
                    f"stray factor of {k} in your code."
                )
    if bool(((g - e).abs() <= 1e-5 * (1 + e.abs())).all()):
        return (
            "close but not exact: finite differences (about 1e-10 off at best), or a detour "
            "through float32; autograd in x's own dtype is exact to rounding."
        )
    return generic


def check_caller_untouched(x: torch.Tensor, requires_grad: bool, grad, what: str) -> None:
    __tracebackhide__ = True
    if x.requires_grad != requires_grad:
        raise AssertionError(
            f"{what} changed the caller's x.requires_grad from {requires_grad} to "
            f"{x.requires_grad}. Likely mistake: x.requires_grad_() (or x.detach_(), "
            f"x.requires_grad = ...) on the caller's tensor; work on x.detach() instead."
        )
    same = (x.grad is None and grad is None) or (
        x.grad is not None and grad is not None and torch.equal(x.grad, grad)
    )
    if not same:
        raise AssertionError(
            f"{what} changed the caller's x.grad (was {'None' if grad is None else 'a tensor'}, "
            f"now {'None' if x.grad is None else 'different'}). Likely mistake: "
            + (
                "x.grad reset (x.grad = None, or a zero_grad) on the caller's tensor."
                if x.grad is None
                else "backward() reached the caller's x (x itself used as the leaf, or "
                "x.clone() without detach(), whose graph leads back to x), and .grad "
                "accumulated into it."
            )
        )


def check_no_graph(result, what: str) -> None:
    __tracebackhide__ = True
    if isinstance(result, torch.Tensor) and (result.requires_grad or result.grad_fn is not None):
        raise AssertionError(
            f"{what} returned a tensor still attached to an autograd graph "
            f"(requires_grad={result.requires_grad}). Likely mistake: create_graph=True on the "
            f"last differentiation, or returning something computed from the leaf."
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(6))
def test_derivative_matches_analytic_derivative(seed, device):
    fn = random_function(seed)
    for shape in SHAPES:
        x = random_point(seed, shape, device)
        what = f"derivative(f, x) for f = {fn.name}, x of {describe(x)}"
        got = kata.derivative(fn.f, x)
        assert_tensor_close(got, fn.df(x), what=what, **TIGHT, mistake=why_wrong(got, fn.df(x)))


@pytest.mark.task(1)
def test_derivative_keeps_dtype_and_device(device):
    x = random_point(0, (4, 3), device, torch.float32)
    got = kata.derivative(torch.sin, x)
    assert_tensor_close(
        got,
        torch.cos(x),
        what="derivative(torch.sin, x) for float32 x",
        mistake=why_wrong(got, torch.cos(x)),
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
def test_derivative_accepts_every_floating_dtype(dtype, device):
    """derivative accepts any floating x, half precision included, and keeps its dtype"""
    x = random_point(11, (5,), device, dtype)
    what = f"derivative(torch.sin, x) for x of {describe(x)}"
    try:
        got = kata.derivative(torch.sin, x)
    except TypeError as err:
        raise AssertionError(
            f"{what} raised TypeError: {err}. {dtype} is a floating-point dtype, and the "
            f"docstring refuses only non-floating x. Likely mistake: a dtype check that lists "
            f"the dtypes it accepts (float32, float64) instead of asking "
            f"torch.is_floating_point(x)."
        ) from err
    assert_tensor_close(got, torch.cos(x), what=what, mistake=why_wrong(got, torch.cos(x)))


@pytest.mark.task(1)
@pytest.mark.parametrize("layout", ["transposed", "sliced", "expanded"])
def test_derivative_of_non_contiguous_input(layout, device):
    base = random_point(1, (5, 4), device)
    x = {"transposed": base.t(), "sliced": base[::2, 1:], "expanded": base[:1].expand(3, 4)}[layout]
    got = kata.derivative(torch.exp, x)
    assert_tensor_close(
        got,
        torch.exp(x),
        what=f"derivative(torch.exp, x) for a {layout} x of shape {tuple(x.shape)}",
        **TIGHT,
        mistake=why_wrong(got, torch.exp(x)),
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_derivative_leaves_callers_tensor_untouched(requires_grad, device):
    x = random_point(2, (3, 2), device).requires_grad_(requires_grad)
    old_grad = None
    if requires_grad:
        x.grad = torch.full_like(x, 7.0)
        old_grad = x.grad.clone()
    result = kata.derivative(torch.tanh, x)
    what = f"derivative(torch.tanh, x) with x.requires_grad={requires_grad}"
    check_caller_untouched(x, requires_grad, old_grad, what)
    check_no_graph(result, what)
    expected = 1 - torch.tanh(x.detach()) ** 2
    assert_tensor_close(result, expected, what=what, **TIGHT, mistake=why_wrong(result, expected))


NOT_FLOATING = [torch.int64, torch.int32, torch.bool, torch.complex64]


def _not_floating(dtype, device) -> torch.Tensor:
    return torch.arange(4, device=device).to(dtype)


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", NOT_FLOATING, ids=str)
def test_derivative_rejects_non_floating_input(dtype, device):
    """derivative raises TypeError for a non-floating x (integer, bool, complex)"""
    assert_raises(
        TypeError,
        kata.derivative,
        torch.sin,
        _not_floating(dtype, device),
        what=f"derivative(torch.sin, x) for x of dtype {dtype} (expected TypeError for a "
        f"non-floating x, as the docstring promises)",
        mistake="no dtype check of your own. torch's refusal to track an integer tensor is a "
        "RuntimeError ('only Tensors of floating point dtype can require gradients'), and a "
        "complex x is accepted by autograd: check torch.is_floating_point(x) first and raise "
        "TypeError.",
    )


# ----------------------------------------------------------------------------- task 2


NO_GRAPH = "does not require grad"  # torch's error when differentiating a tensor with no graph


def _second(f, x, what):
    """Call second_derivative; explain a first derivative with no graph, or one kept in .grad."""
    __tracebackhide__ = True
    try:
        return kata.second_derivative(f, x)
    except NotImplementedError:
        raise
    except UserWarning as err:
        if "create_graph=True will create a reference cycle" not in str(err):
            raise
        raise AssertionError(
            f"{what}: your code called backward(create_graph=True), and torch warned (warnings "
            f"are errors here): {str(err).split('.')[0]}. Likely mistake: storing the first "
            f"derivative in .grad. Use torch.autograd.grad(..., create_graph=True), which "
            f"returns it instead; a second backward() would also add f'' to the f' already in "
            f".grad, since .grad accumulates."
        ) from err
    except RuntimeError as err:
        if NO_GRAPH not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. f here is not linear, so its first "
            f"derivative must carry a graph. Likely mistake: the first derivative was taken "
            f"without create_graph=True, or detached before the second differentiation, or f was "
            f"applied to a tensor that does not require grad."
        ) from err


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(6))
def test_second_derivative_matches_analytic(seed, device):
    fn = random_function(100 + seed)
    for shape in SHAPES:
        x = random_point(seed, shape, device)
        what = f"second_derivative(f, x) for f = {fn.name}, x of {describe(x)}"
        got = _second(fn.f, x, what)
        expected = fn.d2f(x)
        assert_tensor_close(
            got, expected, what=what, **TIGHT, mistake=why_wrong(got, expected, first=fn.df(x))
        )


LINEAR = {
    "3 * x + 1": lambda t: 3 * t + 1,
    "x": lambda t: t,
    "-x / 2": lambda t: -t / 2,
}


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)
@pytest.mark.parametrize("name", list(LINEAR))
def test_second_derivative_of_linear_function_is_zero(name, dtype, device):
    """second_derivative of a linear f is zeros (f' is a constant with no graph)"""
    x = random_point(3, (4,), device, dtype)
    what = f"second_derivative(lambda x: {name}, x) for x of {describe(x)}"
    try:
        got = kata.second_derivative(LINEAR[name], x)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if NO_GRAPH not in str(err):
            raise
        # tell the causes apart: does the same code work for a function that is not linear?
        linear = (
            "f' is a constant for a linear f, with no graph even with create_graph=True: "
            "return zeros when the first derivative does not require grad."
        )
        try:
            kata.second_derivative(torch.sin, x)
        except NotImplementedError:
            raise
        except RuntimeError as sin_err:
            if NO_GRAPH not in str(sin_err):
                raise
            cause = (
                "two things. It fails the same way for torch.sin, which is not linear, so your "
                "first derivative carries no graph at all: taken without create_graph=True, "
                "or detached, or computed from a tensor that does not require grad. And even "
                "once it does, " + linear
            )
        except Exception as sin_err:  # another failure: it says nothing about the graph
            cause = (
                f"for torch.sin it raises {type(sin_err).__name__} instead, which does not "
                f"tell whether the first derivative keeps its graph. For this f: " + linear
            )
        else:
            cause = "it works for torch.sin, so create_graph=True is there; but " + linear
        raise AssertionError(f"{what} raised RuntimeError: {err}. Likely mistake: {cause}") from err
    slope = {"3 * x + 1": 3.0, "x": 1.0, "-x / 2": -0.5}[name]  # f', a constant
    got_values = got.detach().to(x.device, x.dtype) if isinstance(got, torch.Tensor) else None
    returned_first = (
        got_values is not None and got_values.shape == x.shape and bool((got_values == slope).all())
    )
    assert_tensor_close(
        got,
        torch.zeros_like(x),
        what=what,
        mistake=f"returned the first derivative (f' = {slope} everywhere): for a linear f the "
        f"second derivative is zeros of x's dtype and device."
        if returned_first
        else "f' is a constant with no graph: the answer is zeros of x's dtype and device.",
    )
    check_no_graph(got, what)


@pytest.mark.task(2)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_second_derivative_leaves_callers_tensor_untouched(requires_grad, device):
    x = random_point(4, (2, 2), device).requires_grad_(requires_grad)
    old_grad = None
    if requires_grad:
        x.grad = torch.full_like(x, 7.0)
        old_grad = x.grad.clone()
    what = f"second_derivative(torch.sin, x) with x.requires_grad={requires_grad}"
    result = _second(torch.sin, x, what)
    check_caller_untouched(x, requires_grad, old_grad, what)
    check_no_graph(result, what)
    expected = -torch.sin(x.detach())
    assert_tensor_close(
        result,
        expected,
        what=what,
        **TIGHT,
        mistake=why_wrong(result, expected, torch.cos(x.detach())),
    )


@pytest.mark.task(2)
def test_second_derivative_keeps_dtype(device):
    x = random_point(5, (3, 2), device, torch.float32)
    what = "second_derivative(torch.sin, x) for float32 x"
    got = _second(torch.sin, x, what)
    assert_tensor_close(got, -torch.sin(x), what=what, mistake=why_wrong(got, -torch.sin(x)))


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", NOT_FLOATING, ids=str)
def test_second_derivative_rejects_non_floating_input(dtype, device):
    """second_derivative raises TypeError for a non-floating x (integer, bool, complex)"""
    assert_raises(
        TypeError,
        kata.second_derivative,
        torch.sin,
        _not_floating(dtype, device),
        what=f"second_derivative(torch.sin, x) for x of dtype {dtype} (expected TypeError "
        f"for a non-floating x, as the docstring promises)",
        mistake="no dtype check of your own: check torch.is_floating_point(x) and raise "
        "TypeError (torch's own refusal is a RuntimeError, and complex passes autograd).",
    )


# ----------------------------------------------------------------------------- task 3


def _as_tuple(got, n: int, what: str) -> tuple:
    __tracebackhide__ = True
    if not isinstance(got, tuple) or len(got) != n:
        size = f" of length {len(got)}" if isinstance(got, list | tuple) else ""
        raise AssertionError(
            f"{what} should return a tuple of {n} tensors, one per input, got "
            f"{type(got).__name__}{size}."
        )
    return got


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(4))
def test_gradient_of_each_input_in_order(seed, device):
    gen = torch.Generator().manual_seed(seed)
    a = torch.randn(3, 4, generator=gen, dtype=torch.float64).to(device)
    b = torch.randn(4, generator=gen, dtype=torch.float64).to(device)
    c = torch.randn((), generator=gen, dtype=torch.float64).to(device)

    def f(a, b, c):  # scalar: sum(a @ b) * c + sum(sin(b))
        return (a @ b).sum() * c + torch.sin(b).sum()

    expected = (
        (b * c).expand(3, 4),  # d/da_ij = b_j c
        a.sum(0) * c + torch.cos(b),
        (a @ b).sum(),
    )
    got = _as_tuple(kata.gradient(f, a, b, c), 3, "gradient(f, a, b, c)")
    for i, (name, g, e) in enumerate(zip("abc", got, expected, strict=True)):
        # another input's gradient (same shape, or same values) in this place: the order
        like = [
            "abc"[j]
            for j, other in enumerate(expected)
            if j != i
            and isinstance(g, torch.Tensor)
            and g.shape == other.shape
            and (g.shape != e.shape or _all_close(g.detach().to(device), other, **TIGHT))
        ]
        mistake = (
            f"gradients returned out of order: place {i} holds what looks like the gradient "
            f"with respect to {like[0]}; return them in the inputs' order."
            if like
            else why_wrong(g, e)
        )
        assert_tensor_close(
            g, e, what=f"gradient with respect to {name} (input {i})", **TIGHT, mistake=mistake
        )


@pytest.mark.task(3)
def test_gradient_of_unused_input_is_zero(device):
    a = torch.ones(2, device=device, dtype=torch.float64)
    b = torch.ones(3, device=device, dtype=torch.float64)
    what = "gradient(lambda a, b: (a * a).sum(), a, b): the gradient with respect to b, unused"
    try:
        got = kata.gradient(lambda a, b: (a * a).sum(), a, b)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "appears to not have been used in the graph" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err} Likely mistake: torch.autograd.grad without "
            f"allow_unused=True; pass it (and materialize_grads=True, or replace the None it "
            f"gives by zeros of the input's shape)."
        ) from err
    got = _as_tuple(got, 2, what)
    if got[1] is None:
        raise AssertionError(
            f"{what}: returned None. Likely mistake: returning .grad, which stays None for an "
            f"input the graph never reached, or torch.autograd.grad(..., allow_unused=True), "
            f"which gives None there too; the docstring asks for zeros of its shape."
        )
    assert_tensor_close(
        got[1],
        torch.zeros_like(b),
        what=what,
        mistake="the unused input's gradient is zeros of its shape, dtype and device.",
    )
    assert_tensor_close(got[0], 2 * a, what="gradient with respect to a (input 0)", **TIGHT)


@pytest.mark.task(3)
def test_gradient_of_a_function_that_uses_no_input_is_all_zeros(device):
    """gradient of an f that uses none of its inputs: zeros for each, no error"""
    a = random_point(7, (2, 3), device)
    what = "gradient(lambda a: torch.tensor(2.0), a), an f that uses none of its inputs"
    try:
        got = kata.gradient(lambda a: torch.tensor(2.0, dtype=a.dtype, device=a.device), a)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if NO_GRAPH not in str(err):
            raise
        # tell the causes apart: does the same code work for an f that uses its input?
        try:
            kata.gradient(lambda a: (a * a).sum(), a)
        except NotImplementedError:
            raise
        except Exception as used_err:
            cause = (
                f"gradient(lambda a: (a * a).sum(), a), whose f uses its input, fails too "
                f"({type(used_err).__name__}), so the inputs f receives are not tracked at all "
                f"(f called on the caller's tensors, not on fresh leaves that require grad, or "
                f"under torch.no_grad()). Fix that first; then, since this f uses no input, "
                f"return zeros when the output does not require grad."
            )
        else:
            cause = (
                "f uses none of its inputs, so its output has no graph, and backward() (or "
                "autograd.grad) refuses it. The docstring promises zeros for every input f does "
                "not use: return zeros when the output does not require grad."
            )
        raise AssertionError(f"{what} raised RuntimeError: {err}. Likely mistake: {cause}") from err
    got = _as_tuple(got, 1, what)
    assert_tensor_close(got[0], torch.zeros_like(a), what=what)


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "shape", [(3,), (0,), (2, 2)], ids=lambda s: f"output{tuple(s)}".replace(" ", "")
)
def test_gradient_rejects_output_that_is_not_a_single_element(shape, device):
    """gradient raises ValueError when f's output is not a single element"""
    x = torch.ones(shape, device=device)
    assert_raises(
        ValueError,
        kata.gradient,
        lambda t: t * 2,
        x,
        what=f"gradient(lambda t: t * 2, x) for x of shape {shape}: f returns {x.numel()} "
        f"elements (expected ValueError, as the docstring promises)",
        mistake="no check of f's output. torch's own refusal, 'grad can be implicitly created "
        "only for scalar outputs', is a RuntimeError: check out.numel() == 1 before "
        "differentiating and raise ValueError.",
    )


@pytest.mark.task(3)
def test_gradient_accepts_a_single_element_output_that_is_not_0d(device):
    """gradient accepts a single-element output of shape (1, 1), not only a 0-d one"""
    x = random_point(8, (3,), device)
    what = "gradient(lambda t: (t * t).sum().reshape(1, 1), x), a (1, 1) output"
    try:
        got = kata.gradient(lambda t: (t * t).sum().reshape(1, 1), x)
    except ValueError as err:
        raise AssertionError(
            f"{what} raised ValueError: {err}. Likely mistake: checking out.dim() == 0 (or "
            f"out.shape == ()); the docstring asks for a single-element tensor "
            f"(out.numel() == 1), any shape."
        ) from err
    got = _as_tuple(got, 1, what)
    assert_tensor_close(got[0], 2 * x, what=what, **TIGHT, mistake=why_wrong(got[0], 2 * x))


@pytest.mark.task(3)
def test_gradient_keeps_each_inputs_dtype(device):
    a = random_point(9, (3,), device, torch.float32)
    b = random_point(10, (3,), device, torch.float64)
    what = "gradient(lambda a, b: (a * b).sum(), a, b) for float32 a and float64 b"
    got = _as_tuple(kata.gradient(lambda a, b: (a * b).sum(), a, b), 2, what)
    assert_tensor_close(got[0], b.float(), what=what + ": with respect to a")
    assert_tensor_close(got[1], a.double(), what=what + ": with respect to b")


@pytest.mark.task(3)
def test_gradient_leaves_callers_tensors_untouched(device):
    x = random_point(5, (3,), device).requires_grad_(True)
    x.grad = torch.full_like(x, 7.0)
    old_grad = x.grad.clone()
    y = random_point(6, (3,), device)
    result = _as_tuple(kata.gradient(lambda x, y: (x * y).sum(), x, y), 2, "gradient(f, x, y)")
    check_caller_untouched(x, True, old_grad, "gradient(f, x, y)")
    check_caller_untouched(y, False, None, "gradient(f, x, y)")
    for r in result:
        check_no_graph(r, "gradient(f, x, y)")
    assert_tensor_close(
        result[0],
        y,
        what="gradient of sum(x * y) with respect to x",
        **TIGHT,
        mistake=why_wrong(result[0], y),
    )
    assert_tensor_close(
        result[1],
        x.detach(),
        what="gradient of sum(x * y) with respect to y",
        **TIGHT,
        mistake=why_wrong(result[1], x.detach()),
    )
