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
    mistake = (
        "an in-place op on the caller's data (X -= X.mean(0) to centre it, sub_, div_): "
        "centre or scale new tensors (X - X.mean(0)) instead."
    )
    assert_tensor_close(X, X0, what="the caller's X after least_squares(X, y)", mistake=mistake)
    assert_tensor_close(y, y0, what="the caller's y after least_squares(X, y)", mistake=mistake)


@pytest.mark.task(1)
def test_least_squares_of_the_readme_example(device):
    X = torch.tensor([[0.0], [1.0], [2.0]], dtype=torch.float64, device=device)
    y = torch.tensor([[1.0], [3.0], [5.0]], dtype=torch.float64, device=device)
    what = "least_squares(X=[[0.], [1.], [2.]], y=[[1.], [3.], [5.]]) (D = K = 1)"
    weight, bias = unpack_pair(kata.least_squares(X, y), what)
    mistake = (
        "a squeeze() that drops the size-one K (or D) dimension: weight stays (K, D) = (1, 1) "
        "and bias (K,) = (1,) even for one feature and one output."
    )
    expected_w = torch.tensor([[2.0]], dtype=torch.float64, device=device)
    expected_b = torch.tensor([1.0], dtype=torch.float64, device=device)
    assert_tensor_close(
        weight, expected_w, what=f"{what}: weight", mistake=mistake, atol=1e-9, rtol=0
    )
    assert_tensor_close(bias, expected_b, what=f"{what}: bias", mistake=mistake, atol=1e-9, rtol=0)


@pytest.mark.task(1)
def test_least_squares_of_inputs_that_require_grad_has_no_graph(device):
    X, y, _, _ = synthetic(8, device, torch.float64)
    X.requires_grad_(True)
    y.requires_grad_(True)
    what = f"least_squares(X, y) for {describe(X, y)}, both with requires_grad=True"
    weight, bias = unpack_pair(kata.least_squares(X, y), what)
    for name, t in (("weight", weight), ("bias", bias)):
        if not isinstance(t, torch.Tensor) or t.requires_grad or t.grad_fn is not None:
            raise AssertionError(
                f"{what} returned a {name} attached to an autograd graph (requires_grad="
                f"{getattr(t, 'requires_grad', None)}). Likely mistake: lstsq on X and y as "
                f"given: detach() them first (or return solution.detach()); the docstring "
                f"promises no graph."
            )
    if not (X.requires_grad and y.requires_grad and X.grad is None and y.grad is None):
        raise AssertionError(
            f"{what} changed the caller's X or y: requires_grad or .grad differs afterwards."
        )
    w_exp, b_exp = normal_equations(X.detach(), y.detach())
    assert_tensor_close(weight, w_exp, what=f"{what}: weight", atol=1e-8, rtol=0)
    assert_tensor_close(bias, b_exp, what=f"{what}: bias", atol=1e-8, rtol=0)


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


@pytest.mark.task(2)
@pytest.mark.parametrize("steps", [0, 1, 5])
def test_gradient_descent_takes_steps_plain_sgd_steps_on_the_layer(steps, device):
    from torch.optim.optimizer import register_optimizer_step_post_hook

    X, y, _, _ = synthetic(50, device)
    seen: list[tuple[str, dict, list[int]]] = []

    def record(optimizer, args, kwargs):
        group = optimizer.param_groups[0]
        settings = {k: group.get(k) for k in ("lr", "momentum", "weight_decay", "nesterov")}
        ids = [id(p) for g in optimizer.param_groups for p in g["params"]]
        seen.append((type(optimizer).__name__, settings, ids))

    what = f"fit_gradient_descent(X, y, lr=0.3, steps={steps}) for {describe(X, y)}"
    handle = register_optimizer_step_post_hook(record)
    try:
        model = fit(X, y, what, lr=0.3, steps=steps)
    finally:
        handle.remove()
    if len(seen) != steps:
        raise AssertionError(
            f"{what} took {len(seen)} optimizer steps (optimizer.step() calls), expected "
            f"exactly {steps}. Likely mistake: "
            + (
                "a loop of range(steps + 1) or one that runs at least once."
                if len(seen) > steps
                else "no torch.optim optimizer: the update written by hand "
                "(p -= lr * p.grad) instead of torch.optim.SGD(model.parameters(), lr=lr)."
            )
        )
    params = sorted(id(p) for p in model.parameters())
    for name, settings, ids in seen:
        plain = {"lr": 0.3, "momentum": 0, "weight_decay": 0, "nesterov": False}
        if name != "SGD" or settings != plain:
            raise AssertionError(
                f"{what} stepped {name} with {settings}; expected plain SGD with {plain}. "
                f"Likely mistake: another optimiser, or SGD with momentum or weight decay "
                f"(torch.optim.SGD(params, lr=lr) and nothing else)."
            )
        if sorted(ids) != params:
            raise AssertionError(
                f"{what}: the optimizer's parameters are not the returned layer's weight and "
                f"bias. Likely mistake: returning a different nn.Linear than the one trained."
            )
