"""Tests for kata 44: fixed loss weights and learned uncertainty weighting, checked against
the formulas in float64, their gradients against autograd of the formulas and the closed
forms, and the closed-form optimum s_i = log(L_i)."""

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

TIGHT = {"rtol": 1e-12, "atol": 1e-12}  # float64: the formula is a few exact operations


def random_losses(gen, device, n, dtype=torch.float64, leaf=True):
    """n positive 0-d losses; leaves that require grad, or results of an op (non-leaves)."""
    values = torch.rand(n, generator=gen, dtype=dtype) * 3 + 0.05
    losses = []
    for v in values:
        leaf_loss = v.clone().to(device).requires_grad_(True)
        losses.append(leaf_loss if leaf else leaf_loss * 1.0)
    return losses


def fmt(values) -> str:
    return "[" + ", ".join(f"{float(torch.as_tensor(v).detach()):.4g}" for v in values) + "]"


def grads(output, inputs):
    """d output / d input for each input; None where the output does not depend on it."""
    return torch.autograd.grad(output, inputs, allow_unused=True, retain_graph=True)


def check_0d(total, what):
    __tracebackhide__ = True
    if not isinstance(total, torch.Tensor):
        why = (
            ".item() or float(), which cut the graph: backward() cannot reach the model any more."
            if isinstance(total, int | float)
            else "return the weighted total itself, one 0-d tensor built from the losses."
        )
        raise AssertionError(
            f"{what} returned {type(total).__name__}; expected a 0-d tensor with a graph. "
            f"Likely mistake: {why}"
        )
    if total.dim() != 0:
        raise AssertionError(f"{what} returned shape {tuple(total.shape)}; expected a 0-d tensor.")
    if total.grad_fn is None:
        raise AssertionError(
            f"{what} returned a tensor without a graph (grad_fn None) although the losses "
            f"require grad. Likely mistake: the losses were detached (or the total built under "
            f"no_grad): no gradient can reach the model."
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_weighted_sum_equals_the_formula_and_its_gradients_are_the_weights(device):
    gen = torch.Generator().manual_seed(44)
    for trial in range(10):
        n = 1 + trial % 5
        losses = random_losses(gen, device, n)
        weights = [float(w) for w in torch.rand(n, generator=gen, dtype=torch.float64) * 2]
        if trial == 3:
            weights[0] = 0.0  # a task switched off
        what = f"weighted_sum(losses={fmt(losses)}, weights={fmt(weights)})"
        total = kata.weighted_sum(losses, weights)
        check_0d(total, what)
        expected = sum(w * loss.detach() for w, loss in zip(weights, losses, strict=True))
        if n > 1 and torch.isclose(total.detach(), expected / n, **TIGHT):
            raise AssertionError(
                f"{what} returned {total.item():.6g}, the weighted MEAN; expected the weighted "
                f"sum {expected.item():.6g}. Likely mistake: mean instead of sum (dividing by "
                f"the number of tasks rescales every weight)."
            )
        assert_tensor_close(
            total, expected, what=what, **TIGHT, mistake="sum_i weights[i] * losses[i]."
        )
        for i, (g, w) in enumerate(zip(grads(total, losses), weights, strict=True)):
            if g is None:
                raise AssertionError(f"{what}: the total does not depend on losses[{i}].")
            assert_tensor_close(
                g,
                torch.tensor(w, dtype=torch.float64, device=device),
                what=f"{what}: d total / d losses[{i}]",
                **TIGHT,
                mistake="the gradient of a weighted sum with respect to loss i is weight i.",
            )


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_weighted_sum_keeps_the_graph_to_the_model_and_the_dtype(dtype, device):
    gen = torch.Generator().manual_seed(45)
    model = nn.Linear(4, 2).to(device=device, dtype=dtype)
    x = torch.randn(6, 4, generator=gen, dtype=dtype).to(device)
    out = model(x)
    losses = [out[:, 0].pow(2).mean(), (out[:, 1] - 1).abs().mean()]
    weights = [0.3, 1.7]
    total = kata.weighted_sum(losses, weights)
    what = f"weighted_sum([mse, l1] of a Linear(4, 2), {weights}) in {dtype}"
    check_0d(total, what)
    if total.dtype != dtype:
        raise AssertionError(f"{what} returned {total.dtype}; expected the losses' dtype {dtype}.")
    got = grads(total, list(model.parameters()))
    expected = grads(0.3 * losses[0] + 1.7 * losses[1], list(model.parameters()))
    for name, g, e in zip(["weight", "bias"], got, expected, strict=True):
        assert_tensor_close(
            g,
            e,
            what=f"{what}: the gradient of the model's {name}",
            mistake="the total must be sum_i weights[i] * losses[i] built on each loss's graph; "
            "an in-place `+=` into a loss changes that loss and its graph.",
        )


@pytest.mark.task(1)
def test_weighted_sum_does_not_change_the_callers_losses(device):
    gen = torch.Generator().manual_seed(46)
    losses = random_losses(gen, device, 3, leaf=False)  # results of an op, as from a model
    before = [loss.detach().clone() for loss in losses]
    listed = list(losses)
    what = f"weighted_sum(losses={fmt(losses)}, [2.0, 0.5, 1.0])"
    kata.weighted_sum(losses, [2.0, 0.5, 1.0])
    if len(losses) != 3 or any(a is not b for a, b in zip(losses, listed, strict=True)):
        raise AssertionError(f"{what} changed the caller's list of losses.")
    for i, (loss, old) in enumerate(zip(losses, before, strict=True)):
        if not torch.equal(loss.detach(), old):
            raise AssertionError(
                f"{what} changed the caller's loss {i} from {old.item():.6g} to "
                f"{loss.item():.6g}. Likely mistake: total = losses[0] then total += ..., "
                f"which adds in place into the caller's tensor, or another in-place op on a "
                f"loss (mul_); start from a new tensor."
            )


@pytest.mark.task(1)
def test_weighted_sum_refuses_bad_inputs(device):
    gen = torch.Generator().manual_seed(47)
    three = random_losses(gen, device, 3)
    cases = [
        (([], []), "no losses", "an empty list has no sum to return: raise ValueError."),
        (
            (three, [1.0, 1.0]),
            "3 losses and 2 weights",
            "no length check: zip() silently drops the extra loss (and indexing by position "
            "raises IndexError); check the lengths first (or zip(..., strict=True)).",
        ),
        (
            (three[:2], [1.0, 1.0, 1.0]),
            "2 losses and 3 weights",
            "no length check: zip() silently drops the extra weight; check the lengths first.",
        ),
        ((three, [1.0, -0.5, 1.0]), "a negative weight", "a weight below 0 rewards a higher loss."),
        (
            ([three[0], torch.rand(5, generator=gen).to(device)], [1.0, 1.0]),
            "a loss of shape (5,), not 0-d",
            "an unreduced (per-sample) loss summed with the rest weights tasks by batch size.",
        ),
    ]
    for args, problem, mistake in cases:
        assert_raises(
            ValueError,
            kata.weighted_sum,
            *args,
            what=f"weighted_sum(...) with {problem}",
            mistake=mistake,
        )


# ----------------------------------------------------------------------------- task 2


def make_module(n, device, log_vars=None):
    """kata.UncertaintyWeighting(n) in float64 on device, with log_vars set if given."""
    __tracebackhide__ = True
    module = kata.UncertaintyWeighting(n)
    s = getattr(module, "log_vars", None)
    if not isinstance(s, nn.Parameter) or not any(p is s for p in module.parameters()):
        if s is None:
            why = "no attribute log_vars: the docstring names the parameter self.log_vars."
        elif isinstance(s, torch.Tensor) and not isinstance(s, nn.Parameter):
            why = "a plain tensor with requires_grad=True; wrap it in nn.Parameter."
        else:
            why = "self.log_vars = nn.Parameter(torch.zeros(num_tasks)) in __init__."
        raise AssertionError(
            f"UncertaintyWeighting({n}).log_vars is {type(s).__name__}, not a registered "
            f"nn.Parameter: module.parameters() does not yield it, so no optimizer trains it, "
            f"state_dict() does not save it and .to() does not move it. Likely mistake: {why}"
        )
    module = module.to(device=device, dtype=torch.float64)
    if log_vars is not None:
        with torch.no_grad():
            module.log_vars.copy_(log_vars)
    return module


def formula(s, losses):
    """The documented variant: sum_i exp(-s_i) * L_i + s_i."""
    return (torch.exp(-s) * torch.stack(losses) + s).sum()


# (name, formula, why) for the usual wrong variants, to name the one that was written
WRONG_FORMULAS = [
    (
        "exp(s)",
        lambda s, L: (torch.exp(s) * L + s).sum(),
        "exp(s) instead of exp(-s): the weight is 1 / sigma^2 = exp(-s); with exp(s) the "
        "optimizer can shrink the total without bound by driving s to minus infinity.",
    ),
    (
        "no regulariser",
        lambda s, L: (torch.exp(-s) * L).sum(),
        "missing the + s_i term: without it the weights exp(-s_i) run to zero (s to "
        "infinity) and every task is switched off.",
    ),
    (
        "halves",
        lambda s, L: (0.5 * torch.exp(-s) * L + 0.5 * s).sum(),
        "a 1/2 factor (the paper's regression form): this kata's documented variant has none.",
    ),
    (
        "half weight",
        lambda s, L: (0.5 * torch.exp(-s) * L + s).sum(),
        "a 1/2 factor on the weighted loss only: the documented variant is exp(-s) * L + s.",
    ),
    (
        "mean",
        lambda s, L: (torch.exp(-s) * L + s).mean(),
        "mean over tasks instead of the sum.",
    ),
]


@pytest.mark.task(2)
def test_log_vars_is_a_registered_parameter_starting_at_zero(device):
    module = kata.UncertaintyWeighting(3)
    what = "UncertaintyWeighting(3)"
    make_module(3, device)  # fails with a clear message when log_vars is not registered
    s = module.log_vars
    if s.shape != (3,) or s.dtype != torch.float32:
        raise AssertionError(
            f"{what}.log_vars has shape {tuple(s.shape)} and dtype {s.dtype}; expected (3,) "
            f"float32: one log-variance per task."
        )
    if not torch.equal(s.detach(), torch.zeros(3)):
        raise AssertionError(
            f"{what}.log_vars starts at {fmt(s.detach())}; expected zeros (every task weight "
            f"exp(-0) = 1). Likely mistake: ones or random values."
        )
    if "log_vars" not in module.state_dict():
        raise AssertionError(
            f"{what}.state_dict() has no 'log_vars': the weights would not be saved."
        )
    moved = make_module(3, device)
    if moved.log_vars.device.type != device.type:
        raise AssertionError(f"{what}.to({device}) left log_vars on {moved.log_vars.device}.")


@pytest.mark.task(2)
def test_fresh_module_is_finite_and_sums_the_losses(device):
    gen = torch.Generator().manual_seed(49)
    losses = random_losses(gen, device, 3)
    module = kata.UncertaintyWeighting(3).to(device=device, dtype=torch.float64)
    what = f"a fresh UncertaintyWeighting(3) on losses {fmt(losses)}"
    total = module(losses)
    check_0d(total, what)
    g = grads(total, [*losses, *module.parameters()])
    bad = not torch.isfinite(total).item() or any(
        x is not None and not x.isfinite().all() for x in g
    )
    if bad:
        raise AssertionError(
            f"{what} gave a total of {total.item()} or non-finite gradients, with the "
            f"parameter at its start, 0. Likely mistake: sigma itself as the parameter (or "
            f"another division by it, or log of it): 1 / sigma^2 and log(sigma^2) are "
            f"infinite there. Learn s = log(sigma^2) and use exp(-s), finite for every s."
        )
    assert_tensor_close(
        total,
        torch.stack([loss.detach() for loss in losses]).sum(),
        what=f"{what} (all s_i = 0, so the total is sum_i L_i)",
        **TIGHT,
        mistake="at s = 0 every weight exp(-s_i) is 1 and every s_i term 0.",
    )


@pytest.mark.task(2)
def test_total_equals_the_formula_in_float64(device):
    gen = torch.Generator().manual_seed(50)
    for trial in range(8):
        n = 1 + trial % 4
        s = (torch.rand(n, generator=gen, dtype=torch.float64) * 6 - 3).to(device)
        module = make_module(n, device, s)
        losses = random_losses(gen, device, n)
        what = f"UncertaintyWeighting({n}) with log_vars {fmt(s)} on losses {fmt(losses)}"
        total = module(losses)
        check_0d(total, what)
        expected = formula(s, [loss.detach() for loss in losses])
        if not torch.isclose(total.detach(), expected, **TIGHT):
            L = torch.stack([loss.detach() for loss in losses])
            for name, wrong, why in WRONG_FORMULAS:
                if (name != "mean" or n > 1) and torch.isclose(
                    total.detach(), wrong(s, L), **TIGHT
                ):
                    raise AssertionError(
                        f"{what} returned {total.item():.8g}; sum_i exp(-s_i) * L_i + s_i is "
                        f"{expected.item():.8g}. Likely mistake: {why}"
                    )
        assert_tensor_close(
            total,
            expected,
            what=what,
            **TIGHT,
            mistake="the documented variant is sum_i (exp(-s_i) * L_i + s_i), with s = log_vars.",
        )


@pytest.mark.task(2)
def test_gradients_equal_autograd_of_the_formula_and_the_closed_forms(device):
    gen = torch.Generator().manual_seed(51)
    for trial in range(6):
        n = 1 + trial % 3
        s = (torch.rand(n, generator=gen, dtype=torch.float64) * 4 - 2).to(device)
        module = make_module(n, device, s)
        losses = random_losses(gen, device, n)
        what = f"UncertaintyWeighting({n}), log_vars {fmt(s)}, losses {fmt(losses)}"
        total = module(losses)
        check_0d(total, what)
        got = grads(total, [*losses, module.log_vars])
        s_ref = s.clone().requires_grad_(True)
        expected = grads(formula(s_ref, losses), [*losses, s_ref])
        L = torch.stack([loss.detach() for loss in losses])
        for i in range(n):
            if got[i] is None:
                raise AssertionError(
                    f"{what}: the total does not depend on losses[{i}]: the task losses were "
                    f"detached, so no gradient reaches the model. Keep their graphs."
                )
            assert_tensor_close(
                got[i],
                expected[i],
                what=f"{what}: d total / d L_{i}, expected exp(-s_{i})",
                **TIGHT,
                mistake="the weight of loss i is exp(-s_i).",
            )
        if got[n] is None:
            raise AssertionError(f"{what}: the total does not depend on log_vars.")
        assert_tensor_close(expected[n], 1 - torch.exp(-s) * L, what="the test's own oracle")
        assert_tensor_close(
            got[n],
            expected[n],
            what=f"{what}: d total / d log_vars, expected 1 - exp(-s) * L",
            **TIGHT,
            mistake="a formula other than sum_i exp(-s_i) * L_i + s_i.",
        )


@pytest.mark.task(2)
def test_the_gradient_vanishes_at_the_closed_form_optimum(device):
    gen = torch.Generator().manual_seed(52)
    losses = random_losses(gen, device, 4)
    L = torch.stack([loss.detach() for loss in losses])
    module = make_module(4, device, torch.log(L))
    what = f"UncertaintyWeighting(4) at log_vars = log(L) for losses {fmt(L)}"
    total = module(losses)
    check_0d(total, what)
    (g,) = grads(total, [module.log_vars])
    assert_tensor_close(
        g,
        torch.zeros_like(L),
        what=f"{what}: d total / d log_vars",
        **TIGHT,
        mistake="at fixed losses the total's minimum is s_i = log(L_i), where its gradient "
        "1 - exp(-s_i) * L_i is 0; another formula has its minimum elsewhere.",
    )
    assert_tensor_close(
        total,
        (1 + torch.log(L)).sum(),
        what=f"{what}: the total at the optimum, sum_i (1 + log L_i)",
        **TIGHT,
    )


@pytest.mark.task(2)
def test_an_optimizer_trains_the_log_variances(device):
    gen = torch.Generator().manual_seed(48)
    module = make_module(2, device)
    losses = random_losses(gen, device, 2)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    total = module(losses)
    check_0d(total, f"UncertaintyWeighting(2)({fmt(losses)})")
    total.backward()
    optimizer.step()
    L = torch.stack([loss.detach() for loss in losses])
    expected = -0.1 * (1 - L)  # s = 0 - lr * (1 - exp(-0) * L)
    assert_tensor_close(
        module.log_vars,
        expected,
        what=f"log_vars after one SGD(lr=0.1) step from 0 on losses {fmt(L)}",
        **TIGHT,
        mistake="d total / d s_i = 1 - exp(-s_i) * L_i (log_vars is registered, so the "
        "formula differs: see test_total_equals_the_formula_in_float64).",
    )


@pytest.mark.task(2)
def test_the_task_losses_keep_their_graphs_and_are_not_modified(device):
    gen = torch.Generator().manual_seed(53)
    model = nn.Linear(3, 2).to(device=device, dtype=torch.float64)
    x = torch.randn(5, 3, generator=gen, dtype=torch.float64).to(device)
    out = model(x)
    losses = [out[:, 0].pow(2).mean(), out[:, 1].abs().mean()]
    before = [loss.detach().clone() for loss in losses]
    s = torch.tensor([0.5, -1.0], dtype=torch.float64, device=device)
    module = make_module(2, device, s)
    what = "UncertaintyWeighting(2)([mse, l1] of a Linear(3, 2)) with log_vars [0.5, -1]"
    total = module(losses)
    check_0d(total, what)
    got = grads(total, list(model.parameters()))
    w = torch.exp(-s)
    expected = grads(w[0] * losses[0] + w[1] * losses[1], list(model.parameters()))
    for name, g, e in zip(["weight", "bias"], got, expected, strict=True):
        if g is None:
            raise AssertionError(
                f"{what}: no gradient reaches the model's {name}: the task losses were detached."
            )
        assert_tensor_close(g, e, what=f"{what}: the gradient of the model's {name}", **TIGHT)
    for i, (loss, old) in enumerate(zip(losses, before, strict=True)):
        if not torch.equal(loss.detach(), old):
            raise AssertionError(f"{what} changed the caller's loss {i} in place.")


@pytest.mark.task(2)
def test_uncertainty_weighting_refuses_bad_inputs(device):
    gen = torch.Generator().manual_seed(54)
    for n in (0, -1):
        assert_raises(
            ValueError,
            kata.UncertaintyWeighting,
            n,
            what=f"UncertaintyWeighting({n})",
            mistake="num_tasks must be at least 1.",
        )
    module = make_module(3, device)
    for losses, problem in (
        (random_losses(gen, device, 1), "1 loss for 3 tasks (it would broadcast)"),
        (random_losses(gen, device, 2), "2 losses for 3 tasks"),
        (random_losses(gen, device, 4), "4 losses for 3 tasks"),
        (
            [*random_losses(gen, device, 2), torch.rand(4, generator=gen).to(device)],
            "a loss of shape (4,), not 0-d",
        ),
    ):
        assert_raises(
            ValueError,
            module,
            losses,
            what=f"UncertaintyWeighting(3)(losses) with {problem}",
            mistake="check len(losses) == num_tasks and that each loss is 0-d: broadcasting "
            "would silently weight the wrong tasks, or sum a per-sample loss.",
        )


@pytest.mark.task(2)
def test_learned_weights_balance_tasks_of_different_scales(device):
    """Trained by Adam on fixed losses 10 and 0.1, s goes to log(L): the weights are 1/L."""
    L = torch.tensor([10.0, 0.1], dtype=torch.float64, device=device)
    module = make_module(2, device)
    optimizer = torch.optim.Adam(module.parameters(), lr=0.1)
    for _ in range(300):
        optimizer.zero_grad()
        module([L[0], L[1]]).backward()
        optimizer.step()
    what = "UncertaintyWeighting(2) trained by Adam(lr=0.1) for 300 steps on losses 10 and 0.1"
    got = module.log_vars.detach()
    if not torch.allclose(got, torch.log(L), atol=1e-3, rtol=0):
        raise AssertionError(
            f"{what}: log_vars reached {fmt(got)}, expected near log(L) = "
            f"{fmt(torch.log(L))} (within 1e-3). Likely mistake: a formula whose minimum is "
            f"not s_i = log(L_i)."
        )
