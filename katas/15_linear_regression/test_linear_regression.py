"""Tests for kata 15: linear regression, checked against the true weights and float64 algebra."""

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

NOISE = 0.01


def synthetic(seed: int, device, dtype=torch.float32):
    """X (N, D), y (N, K) = X @ W.T + b + noise, with the true W (K, D) and b (K,)."""
    gen = torch.Generator().manual_seed(seed)
    n = int(torch.randint(40, 80, (1,), generator=gen))
    d = int(torch.randint(1, 7, (1,), generator=gen))
    k = int(torch.randint(1, 4, (1,), generator=gen))
    X = torch.randn(n, d, generator=gen, dtype=torch.float64)
    W = torch.randn(k, d, generator=gen, dtype=torch.float64)
    b = torch.randn(k, generator=gen, dtype=torch.float64) * 2 + 1  # far from zero
    y = X @ W.T + b + NOISE * torch.randn(n, k, generator=gen, dtype=torch.float64)
    return tuple(t.to(device, dtype) for t in (X, y, W, b))


def normal_equations(X, y):
    """The exact least-squares answer in float64: solve (A^T A) theta = A^T y."""
    A = torch.cat([X.double(), torch.ones(X.shape[0], 1, dtype=torch.float64, device=X.device)], 1)
    theta = torch.linalg.solve(A.T @ A, A.T @ y.double())
    return theta[:-1].T, theta[-1]


def describe(X, y) -> str:
    return f"X of shape {tuple(X.shape)}, y of shape {tuple(y.shape)}"


def unpack_pair(result, what):
    __tracebackhide__ = True
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(
            f"{what} should return a tuple (weight, bias), got {type(result).__name__}."
        )
    return result


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_least_squares_equals_exact_solution(seed, device):
    X, y, _, _ = synthetic(seed, device, torch.float64)
    what = f"least_squares(X, y) for {describe(X, y)}"
    weight, bias = unpack_pair(kata.least_squares(X, y), what)
    w_exp, b_exp = normal_equations(X, y)
    mistake = (
        "no column of ones for the bias (the bias must be fitted with the weights), or "
        "weight transposed: nn.Linear stores weight as (out_features, in_features) = (K, D)."
    )
    assert_tensor_close(weight, w_exp, what=f"{what}: weight", mistake=mistake, atol=1e-8, rtol=0)
    assert_tensor_close(bias, b_exp, what=f"{what}: bias", mistake=mistake, atol=1e-8, rtol=0)


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4, 7))
def test_least_squares_recovers_true_weights(seed, device):
    X, y, W, b = synthetic(seed, device)
    what = f"least_squares(X, y) for float32 {describe(X, y)} with noise {NOISE}"
    weight, bias = unpack_pair(kata.least_squares(X, y), what)
    mistake = "no column of ones for the bias, so the intercept is forced to zero."
    assert_tensor_close(
        weight, W, what=f"{what}: weight vs the true weight", atol=0.02, rtol=0, mistake=mistake
    )
    assert_tensor_close(
        bias, b, what=f"{what}: bias vs the true bias", atol=0.02, rtol=0, mistake=mistake
    )


@pytest.mark.task(1)
def test_least_squares_leaves_inputs_alone(device):
    X, y, _, _ = synthetic(7, device)
    X0, y0 = X.clone(), y.clone()
    weight, bias = unpack_pair(kata.least_squares(X, y), "least_squares(X, y)")
    if weight.requires_grad or bias.requires_grad:
        raise AssertionError("least_squares returned tensors attached to an autograd graph.")
    assert_tensor_close(X, X0, what="X after least_squares(X, y)", mistake="X changed in place.")
    assert_tensor_close(y, y0, what="y after least_squares(X, y)", mistake="y changed in place.")


# ----------------------------------------------------------------------------- task 2


def fit(X, y, what, **kwargs):
    __tracebackhide__ = True
    model = kata.fit_gradient_descent(X, y, **kwargs)
    if not isinstance(model, nn.Linear):
        raise AssertionError(f"{what} should return an nn.Linear, got {type(model).__name__}.")
    d, k = X.shape[1], y.shape[1]
    if (model.in_features, model.out_features) != (d, k):
        raise AssertionError(
            f"{what} returned nn.Linear({model.in_features}, {model.out_features}); expected "
            f"nn.Linear({d}, {k}) (in_features = X's columns, out_features = y's columns)."
        )
    if model.weight.device != X.device:
        raise AssertionError(
            f"{what} returned a layer on {model.weight.device}, X is on {X.device}. "
            f"Likely mistake: nn.Linear built without device=X.device (or .to(X.device))."
        )
    if not (torch.isfinite(model.weight).all() and torch.isfinite(model.bias).all()):
        raise AssertionError(
            f"{what}: training diverged (weights are inf/NaN). Likely mistake: a loss that "
            f"sums instead of averaging (reduction='sum' makes the step N times too large)."
        )
    return model


GD_MISTAKE = (
    "no optimizer.zero_grad() in the loop: .grad accumulates every step's gradient, so the "
    "steps overshoot and the weights oscillate instead of settling."
)


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_gradient_descent_recovers_true_weights(seed, device):
    torch.manual_seed(seed)
    X, y, W, b = synthetic(10 + seed, device)
    what = f"fit_gradient_descent(X, y, lr=0.1, steps=500) for {describe(X, y)}"
    model = fit(X, y, what, lr=0.1, steps=500)
    assert_tensor_close(
        model.weight,
        W,
        what=f"{what}: weight vs the true weight",
        atol=0.03,
        rtol=0,
        mistake=GD_MISTAKE,
    )
    assert_tensor_close(
        model.bias, b, what=f"{what}: bias vs the true bias", atol=0.03, rtol=0, mistake=GD_MISTAKE
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_gradient_descent_agrees_with_closed_form(seed, device):
    torch.manual_seed(100 + seed)
    X, y, _, _ = synthetic(20 + seed, device)
    what = f"fit_gradient_descent(X, y, lr=0.1, steps=600) for {describe(X, y)}"
    model = fit(X, y, what, lr=0.1, steps=600)
    w_exp, b_exp = normal_equations(X, y)
    assert_tensor_close(
        model.weight,
        w_exp.float(),
        what=f"{what}: weight vs least squares",
        atol=2e-3,
        rtol=0,
        mistake=GD_MISTAKE,
    )
    assert_tensor_close(
        model.bias,
        b_exp.float(),
        what=f"{what}: bias vs least squares",
        atol=2e-3,
        rtol=0,
        mistake=GD_MISTAKE,
    )


@pytest.mark.task(2)
def test_gradient_descent_takes_the_given_number_of_steps(device):
    # one step of lr 0.5 from the layer's own start: w1 = w0 - 0.5 * dMSE/dw
    X, y, _, _ = synthetic(30, device)
    torch.manual_seed(3)
    start = fit(X, y, "fit_gradient_descent(X, y, lr=0.5, steps=0)", lr=0.5, steps=0)
    torch.manual_seed(3)
    one = fit(X, y, "fit_gradient_descent(X, y, lr=0.5, steps=1)", lr=0.5, steps=1)
    w0 = start.weight.detach().clone().requires_grad_(True)
    b0 = start.bias.detach().clone().requires_grad_(True)
    loss = ((X @ w0.T + b0 - y) ** 2).mean()
    gw, gb = torch.autograd.grad(loss, (w0, b0))
    what = "fit_gradient_descent(X, y, lr=0.5, steps=1) vs the same seed with steps=0"
    mistake = (
        "not one SGD step of the MEAN squared error: reduction='sum', a different lr, "
        "an extra step, or (if steps=0 and steps=1 start differently) initialisation that "
        "does not come from nn.Linear under the global seed."
    )
    assert_tensor_close(one.weight, w0 - 0.5 * gw, what=f"{what}: weight", mistake=mistake)
    assert_tensor_close(one.bias, b0 - 0.5 * gb, what=f"{what}: bias", mistake=mistake)


@pytest.mark.task(2)
def test_gradient_descent_does_not_use_the_closed_form(device):
    X, y, _, _ = synthetic(40, device)
    names = (
        "torch.linalg.lstsq",
        "torch.linalg.solve",
        "torch.linalg.pinv",
        "torch.linalg.inv",
        "torch.inverse",
        "torch.pinverse",
    )
    with forbid(*names, kata=kata, why="Task 2 asks for gradient descent, not the closed form."):
        fit(X, y, "fit_gradient_descent(X, y, steps=50)", lr=0.1, steps=50)
