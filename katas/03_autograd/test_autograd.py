"""Tests for kata 03: derivatives with autograd, checked against analytic derivatives."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
import torch

from torchkatas.harness import assert_tensor_close, load_kata

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


def check_caller_untouched(x: torch.Tensor, requires_grad: bool, grad, what: str) -> None:
    __tracebackhide__ = True
    if x.requires_grad != requires_grad:
        raise AssertionError(
            f"{what} changed the caller's x.requires_grad from {requires_grad} to "
            f"{x.requires_grad}. Likely mistake: x.requires_grad_() on the caller's tensor; "
            f"work on x.detach() instead."
        )
    same = (x.grad is None and grad is None) or (
        x.grad is not None and grad is not None and torch.equal(x.grad, grad)
    )
    if not same:
        raise AssertionError(
            f"{what} changed the caller's x.grad (was {'None' if grad is None else 'a tensor'}, "
            f"now {'None' if x.grad is None else 'different'}). Likely mistake: backward() "
            f"through x itself (e.g. x.clone() without detach) accumulates into the caller's .grad."
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
        assert_tensor_close(
            got,
            fn.df(x),
            what=what,
            **TIGHT,
            mistake="finite differences (not exact) or a float32 detour.",
        )


@pytest.mark.task(1)
def test_derivative_keeps_dtype_and_device(device):
    x = random_point(0, (4, 3), device, torch.float32)
    got = kata.derivative(torch.sin, x)
    assert_tensor_close(got, torch.cos(x), what="derivative(torch.sin, x) for float32 x")


@pytest.mark.task(1)
def test_derivative_of_non_contiguous_input(device):
    x = random_point(1, (5, 4), device).t()  # a transposed view
    got = kata.derivative(torch.exp, x)
    assert_tensor_close(
        got, torch.exp(x), what="derivative(torch.exp, x) for a transposed x", **TIGHT
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
    assert_tensor_close(result, 1 - torch.tanh(x.detach()) ** 2, what=what, **TIGHT)


@pytest.mark.task(1)
def test_derivative_rejects_integer_input(device):
    x = torch.arange(4, device=device)
    with pytest.raises(TypeError):
        kata.derivative(torch.sin, x)


# ----------------------------------------------------------------------------- task 2


def _second(f, x, what):
    __tracebackhide__ = True
    try:
        return kata.second_derivative(f, x)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: the first derivative was "
            f"taken without create_graph=True, so it cannot be differentiated again."
        ) from err


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(6))
def test_second_derivative_matches_analytic(seed, device):
    fn = random_function(100 + seed)
    for shape in SHAPES:
        x = random_point(seed, shape, device)
        what = f"second_derivative(f, x) for f = {fn.name}, x of {describe(x)}"
        got = _second(fn.f, x, what)
        assert_tensor_close(
            got,
            fn.d2f(x),
            what=what,
            **TIGHT,
            mistake="finite differences, or returning the first derivative.",
        )


@pytest.mark.task(2)
def test_second_derivative_of_linear_function_is_zero(device):
    x = random_point(3, (4,), device)
    what = "second_derivative(lambda x: 3 * x + 1, x)"
    got = _second(lambda t: 3 * t + 1, x, what)
    assert_tensor_close(
        got,
        torch.zeros_like(x),
        what=what,
        mistake="f' is a constant with no graph: the answer is zeros.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("requires_grad", [False, True])
def test_second_derivative_leaves_callers_tensor_untouched(requires_grad, device):
    x = random_point(4, (2, 2), device).requires_grad_(requires_grad)
    result = _second(torch.sin, x, "second_derivative(torch.sin, x)")
    what = f"second_derivative(torch.sin, x) with x.requires_grad={requires_grad}"
    check_caller_untouched(x, requires_grad, None, what)
    check_no_graph(result, what)


# ----------------------------------------------------------------------------- task 3


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
    got = kata.gradient(f, a, b, c)
    if not isinstance(got, tuple) or len(got) != 3:
        raise AssertionError(
            f"gradient(f, a, b, c) should return a tuple of 3 tensors, got "
            f"{type(got).__name__} of length {len(got)}."
        )
    for name, g, e in zip("abc", got, expected, strict=True):
        assert_tensor_close(
            g,
            e,
            what=f"gradient with respect to {name} (input {'abc'.index(name)})",
            **TIGHT,
            mistake="gradients returned out of order, or for one input only.",
        )


@pytest.mark.task(3)
def test_gradient_of_unused_input_is_zero(device):
    a, b = torch.ones(2, device=device), torch.ones(3, device=device)
    got = kata.gradient(lambda a, b: (a * a).sum(), a, b)
    assert_tensor_close(
        got[1],
        torch.zeros(3, device=device),
        what="gradient with respect to an input f does not use",
        mistake="returning .grad (None) instead of zeros.",
    )


@pytest.mark.task(3)
def test_gradient_rejects_non_scalar_output(device):
    x = torch.ones(3, device=device)
    with pytest.raises(ValueError):
        kata.gradient(lambda t: t * 2, x)


@pytest.mark.task(3)
def test_gradient_leaves_callers_tensors_untouched(device):
    x = random_point(5, (3,), device).requires_grad_(True)
    y = random_point(6, (3,), device)
    result = kata.gradient(lambda x, y: (x * y).sum(), x, y)
    check_caller_untouched(x, True, None, "gradient(f, x, y)")
    check_caller_untouched(y, False, None, "gradient(f, x, y)")
    for r in result:
        check_no_graph(r, "gradient(f, x, y)")
    assert_tensor_close(result[0], y, what="gradient of sum(x * y) with respect to x", **TIGHT)
    assert_tensor_close(
        result[1], x.detach(), what="gradient of sum(x * y) with respect to y", **TIGHT
    )
