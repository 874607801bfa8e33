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


def fit_mistake(X, y, weight, bias) -> str:
    """What the returned (weight, bias) show, by a second look at them: pins the one cause."""
    Xd, yd = X.detach().double(), y.detach().double()
    w_exp, b_exp = normal_equations(Xd, yd)
    no_bias = torch.linalg.solve(Xd.T @ Xd, Xd.T @ yd).T  # the fit through the origin (K, D)
    tol = 1e-3 if X.dtype == torch.float32 else 1e-6

    def near(t, ref):
        return (
            isinstance(t, torch.Tensor)
            and t.shape == ref.shape
            and torch.allclose(t.detach().double(), ref.to(t.device), atol=tol, rtol=0)
        )

    if isinstance(weight, torch.Tensor) and near(weight, w_exp.T) and not near(weight, w_exp):
        return (
            "weight transposed: nn.Linear stores weight as (out_features, in_features) = "
            f"(K, D) = {tuple(w_exp.shape)}, and this weight is theta's (D, K) block as solved."
        )
    if near(weight, no_bias):
        return (
            "no column of ones for the bias (the weight equals the fit through the origin, "
            "so the intercept is forced to zero): append a column of ones to X and fit the "
            "bias with the weights."
        )
    if near(weight, w_exp) and not near(bias, b_exp):
        return "the weight is right but not the bias: the bias is theta's last row."
    return (
        "no column of ones for the bias, weight transposed ((K, D) is the layout), or "
        "another system solved than min ||[X, 1] theta - y||."
    )


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
    mistake = fit_mistake(X, y, weight, bias)
    assert_tensor_close(weight, w_exp, what=f"{what}: weight", mistake=mistake, atol=1e-8, rtol=0)
    assert_tensor_close(bias, b_exp, what=f"{what}: bias", mistake=mistake, atol=1e-8, rtol=0)


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4, 7))
def test_least_squares_recovers_true_weights(seed, device):
    X, y, W, b = synthetic(seed, device)
    what = f"least_squares(X, y) for float32 {describe(X, y)} with noise {NOISE}"
    weight, bias = unpack_pair(kata.least_squares(X, y), what)
    mistake = fit_mistake(X, y, weight, bias)
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
        raise AssertionError(
            f"least_squares(X, y) for inputs without requires_grad returned tensors attached "
            f"to an autograd graph (weight.requires_grad={weight.requires_grad}, "
            f"bias.requires_grad={bias.requires_grad}), expected plain tensors. Likely "
            f"mistake: the weight and bias fitted as nn.Parameter or requires_grad=True "
            f"tensors and returned without detach()."
        )
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
    if getattr(weight, "shape", None) != (1, 1) or getattr(bias, "shape", None) != (1,):
        mistake = (
            "a squeeze() that drops the size-one K (or D) dimension: weight stays (K, D) = "
            "(1, 1) and bias (K,) = (1,) even for one feature and one output."
        )
    else:  # the shapes are right: the fit itself is off
        mistake = fit_mistake(X, y, weight, bias)
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
            f"{what} changed the caller's X or y: afterwards X.requires_grad={X.requires_grad}, "
            f"y.requires_grad={y.requires_grad}, X.grad is "
            f"{'None' if X.grad is None else 'set'}, y.grad is "
            f"{'None' if y.grad is None else 'set'}; expected True, True, None, None. Likely "
            f"mistake: requires_grad_(False) on the caller's tensors instead of detach(), or a "
            f"backward() through them."
        )
    w_exp, b_exp = normal_equations(X.detach(), y.detach())
    assert_tensor_close(weight, w_exp, what=f"{what}: weight", atol=1e-8, rtol=0)
    assert_tensor_close(bias, b_exp, what=f"{what}: bias", atol=1e-8, rtol=0)


# ----------------------------------------------------------------------------- task 2


def gd_mistake(X, y, lr: float) -> str:
    """Name the cause a second run pins: the learner's steps=0, 1, 2 from one seed, checked
    against SGD steps written out here (right, with reduction='sum', without zero_grad)."""
    try:
        models = []
        for steps in (0, 1, 2):
            torch.manual_seed(12345)
            models.append(kata.fit_gradient_descent(X, y, lr=lr, steps=steps))
        (w0, b0), (w1, b1), (w2, b2) = (
            (m.weight.detach().clone(), m.bias.detach().clone()) for m in models
        )
    except Exception:  # the diagnosis is a courtesy: fall back to the candidates
        return (
            "no optimizer.zero_grad() in the loop (.grad accumulates every step's gradient), "
            "reduction='sum' instead of the mean, a different lr, or too few steps."
        )

    def grads(w, b, total=False):
        w, b = w.clone().requires_grad_(True), b.clone().requires_grad_(True)
        err = (X @ w.T + b - y) ** 2
        return torch.autograd.grad(err.sum() if total else err.mean(), (w, b))

    def near(a, b):
        return all(torch.allclose(u, v, rtol=1e-4, atol=1e-5) for u, v in zip(a, b, strict=True))

    gw0, gb0 = grads(w0, b0)
    if not near((w1, b1), (w0 - lr * gw0, b0 - lr * gb0)):
        sw, sb = grads(w0, b0, total=True)
        if near((w1, b1), (w0 - lr * sw, b0 - lr * sb)):
            return (
                "a loss that sums instead of averaging (reduction='sum' makes the step "
                "N * K times too large): the first step from the layer's start is lr times "
                "the gradient of the summed squared error."
            )
        return (
            "the first step is not one SGD step of lr times the mean squared error's "
            "gradient: another loss, another lr, or an extra step."
        )
    gw1, gb1 = grads(w1, b1)
    if near((w2, b2), (w1 - lr * (gw0 + gw1), b1 - lr * (gb0 + gb1))):
        return (
            "no optimizer.zero_grad() in the loop: the second step used the sum of both "
            "steps' gradients, so .grad accumulates and the steps overshoot instead of "
            "settling."
        )
    if not near((w2, b2), (w1 - lr * gw1, b1 - lr * gb1)):
        return "the second step is not a plain SGD step from where the first one ended."
    return (
        "the first two steps are right, so later ones go astray: fewer steps than asked, "
        "or a different layer returned than the one trained."
    )


def assert_fit_close(actual, expected, X, y, lr, **kwargs):
    __tracebackhide__ = True
    atol = kwargs["atol"]
    close = isinstance(actual, torch.Tensor) and actual.shape == expected.shape
    close = close and torch.allclose(actual.detach(), expected.to(actual.device), atol=atol, rtol=0)
    mistake = "" if close else gd_mistake(X, y, lr)
    assert_tensor_close(actual, expected, mistake=mistake, **kwargs)


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
            f"{what}: training diverged (weights are inf/NaN), expected them to settle near "
            f"the least-squares fit. Likely mistake: {gd_mistake(X, y, kwargs.get('lr', 0.1))}"
        )
    return model


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_gradient_descent_recovers_true_weights(seed, device):
    torch.manual_seed(seed)
    X, y, W, b = synthetic(10 + seed, device)
    what = f"fit_gradient_descent(X, y, lr=0.1, steps=500) for {describe(X, y)}"
    model = fit(X, y, what, lr=0.1, steps=500)
    assert_fit_close(
        model.weight, W, X, y, 0.1, what=f"{what}: weight vs the true weight", atol=0.03, rtol=0
    )
    assert_fit_close(
        model.bias, b, X, y, 0.1, what=f"{what}: bias vs the true bias", atol=0.03, rtol=0
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_gradient_descent_agrees_with_closed_form(seed, device):
    torch.manual_seed(100 + seed)
    X, y, _, _ = synthetic(20 + seed, device)
    what = f"fit_gradient_descent(X, y, lr=0.1, steps=600) for {describe(X, y)}"
    model = fit(X, y, what, lr=0.1, steps=600)
    w_exp, b_exp = normal_equations(X, y)
    assert_fit_close(
        model.weight,
        w_exp.float(),
        X,
        y,
        0.1,
        what=f"{what}: weight vs least squares",
        atol=2e-3,
        rtol=0,
    )
    assert_fit_close(
        model.bias,
        b_exp.float(),
        X,
        y,
        0.1,
        what=f"{what}: bias vs least squares",
        atol=2e-3,
        rtol=0,
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
                if not seen
                else "a loop that stops early (range(steps - 1)) or skips a step."
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
