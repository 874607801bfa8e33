"""Tests for kata 77: MAML's inner steps against hand-written backprop, the meta-gradient
against central finite differences in float64, and first-order MAML against its formula."""

import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

F64 = torch.float64
NAMES = ("0.weight", "0.bias", "2.weight", "2.bias")
FD_EPS = 1e-6  # central differences in float64: truncation ~1e-12, rounding ~1e-10
FD_RTOL, FD_ATOL = 1e-6, 1e-8


# ----------------------------------------------------------------------------- a model and tasks


def make_model(gen, device, hidden=8):
    """A 1 -> hidden -> 1 tanh MLP in float64 (names 0.weight, 0.bias, 2.weight, 2.bias)."""
    model = nn.Sequential(nn.Linear(1, hidden), nn.Tanh(), nn.Linear(hidden, 1)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=F64))
    return model.to(device)


def make_tasks(gen, device, n_tasks=3, n_support=6, n_query=8):
    """Sinusoid regression tasks y = a sin(x + phase), with separate support and query sets."""
    tasks = []
    for _ in range(n_tasks):
        a = float(torch.empty(()).uniform_(0.5, 2.0, generator=gen))
        phase = float(torch.empty(()).uniform_(0.0, math.pi, generator=gen))
        xs = [
            torch.empty(n, 1, dtype=F64).uniform_(-3, 3, generator=gen)
            for n in (n_support, n_query)
        ]
        sx, qx = (x.to(device) for x in xs)
        tasks.append((sx, a * torch.sin(sx + phase), qx, a * torch.sin(qx + phase)))
    return tasks


def start_of(model) -> dict:
    return {name: p.detach().clone() for name, p in model.named_parameters()}


def forward(theta, x):
    h = torch.tanh(x @ theta["0.weight"].T + theta["0.bias"])
    return h @ theta["2.weight"].T + theta["2.bias"]


def loss_and_grads(theta, x, y):
    """MSE loss of the MLP and its gradients, by backpropagation written out by hand."""
    h = torch.tanh(x @ theta["0.weight"].T + theta["0.bias"])  # (N, H)
    pred = h @ theta["2.weight"].T + theta["2.bias"]  # (N, 1)
    r = pred - y
    loss = (r * r).mean()
    d_pred = 2 * r / r.numel()
    d_z = (d_pred @ theta["2.weight"]) * (1 - h * h)
    grads = {
        "0.weight": d_z.T @ x,
        "0.bias": d_z.sum(0),
        "2.weight": d_pred.T @ h,
        "2.bias": d_pred.sum(0),
    }
    return loss, grads


def hand_adapt(theta, x, y, lr, steps, *, variant="right"):
    start = theta
    for _ in range(steps if variant != "one step" else min(steps, 1)):
        _, grads = loss_and_grads(start if variant == "stale" else theta, x, y)
        scale = lr * lr if variant == "lr twice" else (-lr if variant == "ascent" else lr)
        theta = {n: theta[n] - scale * grads[n] for n in NAMES}
    return theta


def meta_value(theta, tasks, lr, steps, *, variant="right") -> float:
    """The reference MAML objective: mean over tasks of the query loss after hand steps."""
    losses = []
    for sx, sy, qx, qy in tasks:
        adapted = hand_adapt(theta, sx, sy, lr, steps)
        if variant == "support":
            losses.append(loss_and_grads(adapted, sx, sy)[0])
        else:
            losses.append(loss_and_grads(adapted, qx, qy)[0])
    total = sum(float(v) for v in losses)
    return total if variant == "summed" else total / len(tasks)


def finite_difference_gradient(theta, tasks, lr, steps) -> dict:
    """d meta_value / d theta by central differences, one coordinate at a time."""
    grads = {}
    for name in NAMES:
        g = torch.zeros_like(theta[name])
        for i in range(theta[name].numel()):
            values = []
            for sign in (1, -1):
                moved = {n: t.clone() for n, t in theta.items()}
                moved[name].view(-1)[i] += sign * FD_EPS
                values.append(meta_value(moved, tasks, lr, steps))
            g.view(-1)[i] = (values[0] - values[1]) / (2 * FD_EPS)
        grads[name] = g
    return grads


def first_order_gradient(theta, tasks, lr, steps) -> dict:
    """First-order MAML: the mean over tasks of the query gradient at the adapted point."""
    total = {n: torch.zeros_like(theta[n]) for n in NAMES}
    for sx, sy, qx, qy in tasks:
        _, grads = loss_and_grads(hand_adapt(theta, sx, sy, lr, steps), qx, qy)
        for n in NAMES:
            total[n] += grads[n] / len(tasks)
    return total


def flat(grads: dict) -> torch.Tensor:
    return torch.cat([grads[n].reshape(-1) for n in NAMES])


def model_grads(model, what: str) -> dict:
    __tracebackhide__ = True
    grads = {name: p.grad for name, p in model.named_parameters()}
    missing = [n for n, g in grads.items() if g is None]
    if missing:
        raise AssertionError(
            f"{what}: after .backward() the model's {missing} have .grad None: no gradient "
            f"reaches the model's parameters. Likely mistake: the adapted parameters were "
            f"detached (or rebuilt as new leaves), which cuts them off from the model."
        )
    return grads


def check_model_untouched(model, before: dict, objects: dict, what: str) -> None:
    __tracebackhide__ = True
    for name, p in model.named_parameters():
        if p is not objects[name]:
            raise AssertionError(f"{what} replaced the model's parameter {name} with a new object.")
        if not torch.equal(p.detach(), before[name]):
            raise AssertionError(
                f"{what} changed the model's parameters ({name}): the inner loop must work "
                f"on a dict of new tensors (p - inner_lr * g), never update the real "
                f"parameters (no p.data -= ..., no optimizer.step())."
            )
        if p.grad is not None:
            raise AssertionError(
                f"{what} filled the model's .grad ({name}): the inner loop must take its "
                f"gradients with torch.autograd.grad, not loss.backward(), which accumulates "
                f"into the real parameters' .grad."
            )


def call(name: str, what: str, *args, **kwargs):
    """kata.<name>(...), naming the cause of torch's warning about backward(create_graph=True)."""
    __tracebackhide__ = True
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return getattr(kata, name)(*args, **kwargs)
        except UserWarning as err:
            if "create_graph=True" not in str(err):
                raise
            raise AssertionError(
                f"{what}: torch warned that backward() was called with create_graph=True "
                f"inside: loss.backward() in the inner loop filled the model's .grad (and "
                f"leaks memory through a reference cycle). Take the inner gradients with "
                f"torch.autograd.grad(loss, list(params.values()), create_graph=True)."
            ) from err


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_inner_adapt_leaves_the_model_and_the_dict_alone(device):
    gen = torch.Generator().manual_seed(770)
    model = make_model(gen, device)
    sx, sy, _, _ = make_tasks(gen, device, n_tasks=1)[0]
    before, objects = start_of(model), dict(model.named_parameters())
    params = dict(model.named_parameters())
    given = dict(params)
    what = (
        "inner_adapt(model, dict(model.named_parameters()), support (6, 1), mse_loss, 0.1, steps=2)"
    )
    adapted = call("inner_adapt", what, model, params, sx, sy, F.mse_loss, 0.1, 2)
    check_model_untouched(model, before, objects, what)
    if params.keys() != given.keys() or any(params[n] is not given[n] for n in given):
        raise AssertionError(f"{what} changed the params dict it was given; return a new one.")
    if not isinstance(adapted, dict) or list(adapted) != list(NAMES):
        raise AssertionError(
            f"{what} returned {type(adapted).__name__} with keys "
            f"{list(adapted) if isinstance(adapted, dict) else '-'}; expected a dict with the "
            f"same keys in the same order: {list(NAMES)}."
        )


@pytest.mark.task(1)
def test_inner_adapt_one_step_equals_a_hand_gradient_step(device):
    gen = torch.Generator().manual_seed(771)
    for lr in (0.1, 0.5):
        model = make_model(gen, device)
        sx, sy, _, _ = make_tasks(gen, device, n_tasks=1)[0]
        theta = start_of(model)
        what = f"inner_adapt(model, params, support (6, 1), mse_loss, inner_lr={lr}, steps=1)"
        adapted = call(
            "inner_adapt", what, model, dict(model.named_parameters()), sx, sy, F.mse_loss, lr, 1
        )
        want = hand_adapt(theta, sx, sy, lr, 1)
        for name in NAMES:
            got = adapted[name]
            mistake = "p - inner_lr * (d support loss / d p), once per step."
            for variant, why in (
                (
                    "lr twice",
                    "inner_lr applied twice (the gradient scaled by inner_lr, then the "
                    "step scaled again): p - inner_lr * g.",
                ),
                ("ascent", "the step climbs the loss: p - inner_lr * g, minus, not plus."),
            ):
                if torch.allclose(got, hand_adapt(theta, sx, sy, lr, 1, variant=variant)[name]):
                    mistake = why
            assert_tensor_close(
                got,
                want[name],
                what=f"{what}: adapted[{name!r}]",
                rtol=1e-10,
                atol=1e-12,
                mistake=mistake,
            )


@pytest.mark.task(1)
def test_inner_adapt_steps_start_from_the_previous_step(device):
    gen = torch.Generator().manual_seed(772)
    model = make_model(gen, device)
    sx, sy, _, _ = make_tasks(gen, device, n_tasks=1)[0]
    theta = start_of(model)
    what = "inner_adapt(model, params, support (6, 1), mse_loss, inner_lr=0.2, steps=3)"
    adapted = call(
        "inner_adapt", what, model, dict(model.named_parameters()), sx, sy, F.mse_loss, 0.2, 3
    )
    want = hand_adapt(theta, sx, sy, 0.2, 3)
    for name in NAMES:
        mistake = "three steps, each at the previous step's parameters."
        if torch.allclose(adapted[name], hand_adapt(theta, sx, sy, 0.2, 3, variant="stale")[name]):
            mistake = (
                "every step used the gradient at the starting point: take each step's "
                "gradient with respect to the CURRENT params (the dict of the last step)."
            )
        elif torch.allclose(adapted[name], hand_adapt(theta, sx, sy, 0.2, 1)[name]):
            mistake = "only one step taken: `steps` gradient steps, one after another."
        assert_tensor_close(
            adapted[name],
            want[name],
            what=f"{what}: adapted[{name!r}]",
            rtol=1e-10,
            atol=1e-12,
            mistake=mistake,
        )


@pytest.mark.task(1)
def test_inner_adapt_zero_steps_returns_the_start(device):
    gen = torch.Generator().manual_seed(773)
    model = make_model(gen, device)
    sx, sy, _, _ = make_tasks(gen, device, n_tasks=1)[0]
    params = dict(model.named_parameters())
    what = "inner_adapt(model, params, support (6, 1), mse_loss, 0.1, steps=0)"
    adapted = call("inner_adapt", what, model, params, sx, sy, F.mse_loss, 0.1, 0)
    if not isinstance(adapted, dict) or any(adapted.get(n) is not params[n] for n in params):
        raise AssertionError(
            "inner_adapt(..., steps=0) should return the starting tensors themselves (a dict "
            "holding the same objects): zero steps change nothing. Likely mistake: the "
            "params cloned (or detached) before the loop, or the dict rebuilt with new tensors."
        )
    assert_raises(
        ValueError,
        kata.inner_adapt,
        model,
        params,
        sx,
        sy,
        F.mse_loss,
        0.1,
        -1,
        what="inner_adapt(..., steps=-1)",
        mistake="no check that steps >= 0.",
    )


@pytest.mark.task(1)
def test_inner_adapt_second_order_differentiates_through_the_gradient(device):
    gen = torch.Generator().manual_seed(774)
    model = make_model(gen, device)
    sx, sy, _, _ = make_tasks(gen, device, n_tasks=1)[0]
    theta = start_of(model)
    probe = {n: torch.randn(theta[n].shape, generator=gen, dtype=F64).to(device) for n in NAMES}
    what = "inner_adapt(model, params, support, mse_loss, inner_lr=0.3, steps=1), then d/d params"
    adapted = call(
        "inner_adapt", what, model, dict(model.named_parameters()), sx, sy, F.mse_loss, 0.3, 1
    )
    total = sum((adapted[n] * probe[n]).sum() for n in NAMES)
    got = torch.autograd.grad(total, list(model.parameters()), allow_unused=True)
    if any(g is None for g in got):
        raise AssertionError(
            f"{what}: the adapted params do not depend on the model's parameters, so no "
            f"gradient reaches the model's parameters through them. Likely mistake: the "
            f"adapted params detached (or rebuilt as new leaves with requires_grad_())."
        )
    # d(theta - lr grad L(theta)) . v = v - lr H v, with H v by central differences
    eps = 1e-5
    plus = loss_and_grads({n: theta[n] + eps * probe[n] for n in NAMES}, sx, sy)[1]
    minus = loss_and_grads({n: theta[n] - eps * probe[n] for n in NAMES}, sx, sy)[1]
    for name, g in zip(NAMES, got, strict=True):
        hv = (plus[name] - minus[name]) / (2 * eps)
        mistake = "create_graph=True, so the gradient itself is differentiated (the Hessian)."
        if torch.allclose(g, probe[name]):
            mistake = (
                "first-order silently: the Jacobian is the identity, so the gradients were "
                "taken without create_graph=True and the Hessian term is lost."
            )
        assert_tensor_close(
            g,
            probe[name] - 0.3 * hv,
            what=f"{what}: d (adapted . v) / d {name}",
            rtol=1e-6,
            atol=1e-8,
            mistake=mistake,
        )


@pytest.mark.task(1)
def test_inner_adapt_uses_autograd_grad_on_a_dict_with_functional_call(device):
    gen = torch.Generator().manual_seed(775)
    model = make_model(gen, device)
    sx, sy, _, _ = make_tasks(gen, device, n_tasks=1)[0]
    theta = start_of(model)
    # a dict of other tensors (not the model's): the loss must be computed from THEM
    params = {n: (t + 0.1).requires_grad_(True) for n, t in theta.items()}
    what = "inner_adapt(model, params != the model's own values, support, mse_loss, 0.1, 1)"
    adapted = call("inner_adapt", what, model, params, sx, sy, F.mse_loss, 0.1, 1)
    want = hand_adapt({n: t + 0.1 for n, t in theta.items()}, sx, sy, 0.1, 1)
    # the same step with the gradient taken at the model's own values: params - lr * g(theta)
    own = {n: t + 0.1 for n, t in hand_adapt(theta, sx, sy, 0.1, 1).items()}
    for name in NAMES:
        got = adapted[name]
        used_own = (
            isinstance(got, torch.Tensor)
            and got.shape == own[name].shape
            and torch.allclose(got.detach(), own[name].detach(), rtol=1e-10, atol=1e-12)
        )
        assert_tensor_close(
            got,
            want[name],
            what=f"{what}: adapted[{name!r}]",
            rtol=1e-10,
            atol=1e-12,
            mistake="the loss was computed with the model's own parameters, not the params "
            "dict: torch.func.functional_call(model, params, (support_x,))."
            if used_own
            else "not one gradient step from the given params: params[n] - inner_lr * "
            "(the gradient of the loss of functional_call(model, params, (support_x,))).",
        )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
def test_maml_loss_equals_the_mean_query_loss_after_adaptation(device):
    gen = torch.Generator().manual_seed(776)
    for n_tasks, steps in [(3, 1), (2, 2), (1, 0)]:
        model = make_model(gen, device)
        tasks = make_tasks(gen, device, n_tasks=n_tasks)
        theta = start_of(model)
        objects = dict(model.named_parameters())
        what = f"maml_loss(model, {n_tasks} tasks, mse_loss, inner_lr=0.2, steps={steps})"
        got = call("maml_loss", what, model, tasks, F.mse_loss, 0.2, steps)
        check_model_untouched(model, theta, objects, what)
        mistake = (
            "the mean over tasks of the QUERY loss at the parameters adapted on the support set."
        )
        if isinstance(got, torch.Tensor) and got.numel() == 1:
            value = float(got.detach())
            if math.isclose(
                value, meta_value(theta, tasks, 0.2, steps, variant="support"), rel_tol=1e-9
            ):
                mistake = (
                    "the outer loss on the support set: adapt on the support set, then "
                    "evaluate on the query set (the support loss after adaptation is small "
                    "by construction)."
                )
            elif n_tasks > 1 and math.isclose(
                value, meta_value(theta, tasks, 0.2, steps, variant="summed"), rel_tol=1e-9
            ):
                mistake = "the task losses summed over the tasks instead of averaged."
        assert_tensor_close(
            got,
            torch.tensor(meta_value(theta, tasks, 0.2, steps), dtype=F64, device=device),
            what=what,
            rtol=1e-10,
            atol=1e-12,
            mistake=mistake,
        )


@pytest.mark.task(2)
def test_meta_gradient_matches_finite_differences(device):
    gen = torch.Generator().manual_seed(777)
    for steps, lr in [(1, 0.3), (2, 0.2)]:
        model = make_model(gen, device)
        tasks = make_tasks(gen, device, n_tasks=3)
        theta = start_of(model)
        what = (
            f"maml_loss(model, 3 tasks, mse_loss, inner_lr={lr}, steps={steps}).backward(), "
            f"against central differences (eps {FD_EPS}) of the objective, float64"
        )
        call("maml_loss", what, model, tasks, F.mse_loss, lr, steps).backward()
        got = model_grads(model, what)
        want = finite_difference_gradient(theta, tasks, lr, steps)
        mistake = "differentiate through the inner steps (create_graph=True)."
        if torch.allclose(flat(got), flat(first_order_gradient(theta, tasks, lr, steps))):
            mistake = (
                "first-order silently: this is first-order MAML's gradient, so the inner "
                "gradients were taken without create_graph=True (or detached) and the "
                "second-order term is lost."
            )
        elif torch.allclose(flat(got), 3 * flat(want), rtol=1e-5):
            mistake = "the task losses summed, not averaged: the gradient is 3 times too large."
        for name in NAMES:
            assert_tensor_close(
                got[name],
                want[name],
                what=f"{what}: .grad of {name}",
                rtol=FD_RTOL,
                atol=FD_ATOL,
                mistake=mistake,
            )


@pytest.mark.task(2)
def test_maml_loss_rejects_an_empty_task_list(device):
    gen = torch.Generator().manual_seed(778)
    assert_raises(
        ValueError,
        kata.maml_loss,
        make_model(gen, device),
        [],
        F.mse_loss,
        0.1,
        1,
        what="maml_loss(model, tasks=[], ...)",
        mistake="no check for an empty task list (the mean of nothing).",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
def test_first_order_inner_adapt_has_the_identity_jacobian(device):
    gen = torch.Generator().manual_seed(779)
    model = make_model(gen, device)
    sx, sy, _, _ = make_tasks(gen, device, n_tasks=1)[0]
    theta = start_of(model)
    probe = {n: torch.randn(theta[n].shape, generator=gen, dtype=F64).to(device) for n in NAMES}
    what = (
        "inner_adapt(..., inner_lr=0.3, steps=2, first_order=True), then d (adapted . v) / d params"
    )
    adapted = call(
        "inner_adapt",
        what,
        model,
        dict(model.named_parameters()),
        sx,
        sy,
        F.mse_loss,
        0.3,
        2,
        first_order=True,
    )
    want = hand_adapt(theta, sx, sy, 0.3, 2)
    for name in NAMES:
        assert_tensor_close(
            adapted[name],
            want[name],
            what=f"{what}: adapted[{name!r}]",
            rtol=1e-10,
            atol=1e-12,
            mistake="first_order changes only the gradient's graph, never the values.",
        )
    total = sum((adapted[n] * probe[n]).sum() for n in NAMES)
    got = torch.autograd.grad(total, list(model.parameters()), allow_unused=True)
    for name, g in zip(NAMES, got, strict=True):
        if g is None:
            raise AssertionError(
                f"{what}: adapted[{name!r}] does not depend on the model's parameters: "
                f"first-order MAML still needs p - lr * g with p attached (only g is constant)."
            )
        assert_tensor_close(
            g,
            probe[name],
            what=f"{what}: d / d {name}",
            rtol=1e-10,
            atol=1e-12,
            mistake="first_order=True ignored: the gradients must be constants "
            "(create_graph=False), so the Jacobian of the adapted params is the identity.",
        )


@pytest.mark.task(3)
def test_first_order_meta_gradient_is_the_mean_query_gradient(device):
    gen = torch.Generator().manual_seed(780)
    model = make_model(gen, device)
    tasks = make_tasks(gen, device, n_tasks=3)
    theta = start_of(model)
    what = "maml_loss(model, 3 tasks, mse_loss, 0.3, steps=2, first_order=True).backward()"
    loss = kata.maml_loss(model, tasks, F.mse_loss, 0.3, 2, first_order=True)
    assert_tensor_close(
        loss,
        torch.tensor(meta_value(theta, tasks, 0.3, 2), dtype=F64, device=device),
        what=f"{what}: the value",
        rtol=1e-10,
        atol=1e-12,
        mistake="first_order changes the gradient, not the value of the objective.",
    )
    loss.backward()
    got = model_grads(model, what)
    want = first_order_gradient(theta, tasks, 0.3, 2)
    for name in NAMES:
        assert_tensor_close(
            got[name],
            want[name],
            what=f"{what}: .grad of {name}",
            rtol=1e-9,
            atol=1e-12,
            mistake="first_order=True ignored (this is the second-order gradient), or "
            "first_order not passed on to inner_adapt: FO-MAML's gradient is the mean over "
            "tasks of the query gradient at the adapted parameters.",
        )


@pytest.mark.task(3)
def test_first_and_second_order_differ_where_the_hessian_matters(device):
    gen = torch.Generator().manual_seed(781)
    model = make_model(gen, device)
    tasks = make_tasks(gen, device, n_tasks=3)
    grads = []
    for first_order in (False, True):
        model.zero_grad(set_to_none=True)
        kata.maml_loss(model, tasks, F.mse_loss, 0.3, 2, first_order=first_order).backward()
        got = model_grads(model, f"maml_loss(..., first_order={first_order}).backward()")
        grads.append(flat({n: g.clone() for n, g in got.items()}))
    gap = float((grads[0] - grads[1]).norm() / grads[0].norm())
    # on these tasks (inner_lr 0.3, 2 steps) the relative gap is 0.99: the Hessian term is
    # as large as the first-order gradient itself
    if gap < 0.2:
        raise AssertionError(
            f"maml_loss(model, 3 tasks, mse_loss, 0.3, steps=2): the second-order and the "
            f"first-order meta-gradients differ by {gap:.3f} (relative); on these tasks they "
            f"differ by more than 0.2. Likely mistake: one of the two modes is silently the "
            f"other (create_graph tied to the wrong value of first_order)."
        )
