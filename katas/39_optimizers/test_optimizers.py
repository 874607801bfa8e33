"""Tests for kata 39: hand-written SGD, Adam and AdamW against torch.optim, step for step.

Every run feeds the same seeded gradients to the learner's optimizer and to torch.optim's
(float64, foreach=False), including steps where a parameter has no gradient and a learning
rate that changes half-way, and compares every parameter after every step to 1e-10.
"""

import types

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

TIGHT = {"rtol": 1e-10, "atol": 1e-12}
STEPS = 60
SHAPES = [(3, 4), (5,), (), (2, 3, 2)]
# torch's own optimizers, their step() (reached by a subclass too) and their functional forms
# (`from torch.optim.sgd import sgd` is the same function, caught as an alias): the learner
# writes these here. For a function reachable by two names, a message shows the last one.
TORCH_OPTIMIZERS = (
    "torch.optim._functional.sgd",
    "torch.optim._functional.adam",
    "torch.optim._functional.adamw",
    "torch.optim.SGD.step",
    "torch.optim.AdamW.step",
    "torch.optim.Adam.step",
    "torch.optim.SGD",
    "torch.optim.Adam",
    "torch.optim.AdamW",
)
WHY = (
    "Write the update with tensor operations: that is the exercise (subclassing torch.optim's "
    "optimizer and calling its step() counts as calling it)."
)


# ----------------------------------------------------------------------------- runs


def make_problem(seed, device, steps=STEPS, none_at=(3, 10, 11, 30)):
    """Starting parameters and a gradient for every step (parameter 1 has none at none_at)."""
    gen = torch.Generator().manual_seed(seed)
    params = [torch.randn(s, generator=gen, dtype=torch.float64).to(device) for s in SHAPES]
    schedule = []
    for k in range(steps):
        grads = []
        for i, s in enumerate(SHAPES):
            g = torch.randn(s, generator=gen, dtype=torch.float64).to(device)
            grads.append(None if i == 1 and k in none_at else g)
        schedule.append(grads)
    return params, schedule


def lr_at(base, k):
    """The learning rate of step k: it halves at step 20 and again at step 40."""
    return base * (1.0 if k < 20 else 0.5 if k < 40 else 0.25)


def leaves(params):
    return [p.detach().clone().requires_grad_(True) for p in params]


def run(make, set_lr, params0, schedule, base_lr, learner):
    """Step an optimizer through the schedule; the parameters after every step."""
    __tracebackhide__ = True
    params = leaves(params0)
    given = []  # every gradient handed over, to check later that none was changed
    if learner:
        with forbid(*TORCH_OPTIMIZERS, kata=kata, why=WHY):
            opt = make(params)
    else:
        opt = make(params)
    snapshots = []
    for k, grads in enumerate(schedule):
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            p.grad = None if g is None else g.clone()
            if g is not None:
                given.append((p.grad, g, k, i))
        set_lr(opt, lr_at(base_lr, k))
        if learner:
            learner_step(opt, k)
        else:
            opt.step()
        snapshots.append([p.detach().clone() for p in params])
    return snapshots, given, params


def learner_step(opt, k):
    __tracebackhide__ = True
    try:
        with forbid(*TORCH_OPTIMIZERS, kata=kata, why=WHY):
            opt.step()
    except RuntimeError as err:
        if isinstance(err, NotImplementedError) or "leaf Variable" not in str(err):
            raise
        raise AssertionError(
            f"step() {k + 1} raised RuntimeError: {str(err).rstrip('.')}. Likely mistake: "
            f"the in-place update of a parameter that requires grad must run under "
            f"torch.no_grad()."
        ) from err


def set_attr_lr(opt, lr):
    opt.lr = lr


def set_group_lr(opt, lr):
    for group in opt.param_groups:
        group["lr"] = lr


# ----------------------------------------------------------------------------- references


def ref_sgd(params0, schedule, base_lr, kw, plant):
    """SGD written plainly, with one planted mistake, to name what a wrong result equals."""
    lr_, momentum = base_lr, kw.get("momentum", 0.0)
    dampening, wd = kw.get("dampening", 0.0), kw.get("weight_decay", 0.0)
    nesterov = kw.get("nesterov", False)
    params = [p.clone() for p in params0]
    bufs = [None] * len(params)
    out = []
    for k, grads in enumerate(schedule):
        lr_ = lr_at(base_lr, k)
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if g is None:
                continue
            if plant != "decay_after_momentum":
                g = g + wd * p
            if momentum != 0:
                scale = lr_ if plant == "lr_in_buffer" else 1 - dampening
                if bufs[i] is None and plant != "buffer_starts_at_zero":
                    bufs[i] = g * (lr_ if plant == "lr_in_buffer" else 1.0)
                else:
                    previous = torch.zeros_like(g) if bufs[i] is None else bufs[i]
                    bufs[i] = momentum * previous + scale * g
                g = g + momentum * bufs[i] if nesterov and plant != "no_nesterov" else bufs[i]
            if plant == "decay_after_momentum":
                g = g + wd * p
            params[i] = p - (g if plant == "lr_in_buffer" and momentum != 0 else lr_ * g)
        out.append([p.clone() for p in params])
    return out


def ref_adam(params0, schedule, base_lr, kw, decoupled, plant):
    """Adam / AdamW written plainly, with one planted mistake."""
    beta1, beta2 = kw.get("betas", (0.9, 0.999))
    eps, wd = kw.get("eps", 1e-8), kw.get("weight_decay", 1e-2 if decoupled else 0.0)
    if plant == "coupled":
        decoupled = False
    elif plant == "decoupled":
        decoupled = True
    params = [p.clone() for p in params0]
    state = [(0, torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    out = []
    for k, grads in enumerate(schedule):
        lr_ = lr_at(base_lr, k)
        for i, (p, g) in enumerate(zip(params, grads, strict=True)):
            if g is None:
                continue
            t, m, v = state[i]
            t = k + 1 if plant == "global_step" else t + 1
            if decoupled and plant != "decay_after_update":
                p = p * (1 - (1.0 if plant == "decay_without_lr" else lr_) * wd)
            elif not decoupled:
                g = g + wd * p
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g * g
            if plant == "no_bias_correction":
                p = p - lr_ * m / (v.sqrt() + eps)
            elif plant == "eps_inside_sqrt":
                p = p - lr_ / (1 - beta1**t) * m / (v / (1 - beta2**t) + eps).sqrt()
            else:
                p = p - lr_ / (1 - beta1**t) * m / (v.sqrt() / (1 - beta2**t) ** 0.5 + eps)
            if decoupled and plant == "decay_after_update":
                p = p * (1 - lr_ * wd)
            params[i] = p
            state[i] = (t, m, v)
        out.append([p.clone() for p in params])
    return out


SGD_PLANTS = {
    "lr_in_buffer": "the learning rate inside the buffer (buf = momentum * buf + lr * g, "
    "p -= buf): equal to PyTorch's only while lr is constant; PyTorch keeps lr outside, "
    "buf = momentum * buf + (1 - dampening) * g, p -= lr * buf.",
    "buffer_starts_at_zero": "a buffer that starts at zeros: PyTorch's first step sets buf "
    "to a copy of g (no dampening), later steps use momentum * buf + (1 - dampening) * g.",
    "decay_after_momentum": "weight decay added after the momentum; PyTorch adds "
    "weight_decay * p to the gradient BEFORE it enters the buffer.",
    "no_nesterov": "nesterov=True ignored: the update must use g + momentum * buf.",
}
ADAM_PLANTS = {
    "no_bias_correction": "no bias correction: divide by (1 - beta1 ** t) and "
    "sqrt(1 - beta2 ** t); without them the first steps are the most wrong (m and v start "
    "at zero).",
    "eps_inside_sqrt": "eps inside the square root; PyTorch adds eps after it: "
    "sqrt(v) / sqrt(1 - beta2 ** t) + eps.",
    "global_step": "one step count for all parameters; each parameter counts only the "
    "steps where it had a gradient (its own t), which changes its bias correction.",
    "coupled": "the weight decay added to the gradient (L2, as Adam does): AdamW decouples "
    "it, p = p * (1 - lr * weight_decay), and leaves the gradient alone.",
    "decoupled": "the weight decay decoupled (p *= 1 - lr * weight_decay, as AdamW does): "
    "Adam's weight_decay is L2, added to the gradient: g = p.grad + weight_decay * p.",
    "decay_after_update": "the decoupled decay applied after the Adam update; PyTorch shrinks "
    "p first, then subtracts the update.",
    "decay_without_lr": "p *= 1 - weight_decay without the learning rate; the decoupled decay "
    "is p *= 1 - lr * weight_decay.",
}


def same(a, b):
    return all(
        x.shape == y.shape and bool(torch.isclose(x, y, **TIGHT).all())
        for xs, ys in zip(a, b, strict=True)
        for x, y in zip(xs, ys, strict=True)
    )


def compare_runs(got, expected, what, planted):
    """Every parameter after every step; on a mismatch, name the planted mistake it equals."""
    __tracebackhide__ = True
    if same(got, expected):
        return
    for mistake, make in planted.items():
        if same(got, make()):
            raise AssertionError(
                f"{what}: every step equals that of an optimizer with this mistake. Likely "
                f"mistake: {mistake}"
            )
    for k, (xs, ys) in enumerate(zip(got, expected, strict=True)):
        for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
            if x.shape != y.shape or not bool(torch.isclose(x, y, **TIGHT).all()):
                assert_tensor_close(
                    x,
                    y,
                    what=f"{what}: parameter {i} {tuple(y.shape)} after step {k + 1}",
                    **TIGHT,
                    mistake="follow the docstring's formulas exactly; a parameter whose .grad "
                    "is None is skipped (its state unchanged); each step uses the current lr.",
                )


def check_gradients_untouched(given, what):
    __tracebackhide__ = True
    for grad, original, k, i in given:
        if not torch.equal(grad, original):
            raise AssertionError(
                f"{what}: a gradient handed to step() was changed afterwards (the .grad of "
                f"parameter {i} at step {k + 1}). Likely mistake: p.grad.add_(...) for the "
                f"weight decay, or a momentum buffer that IS p.grad (buf = g without "
                f".clone()), updated in place at the next step."
            )


def describe(name, kw):
    args = ", ".join(f"{k}={v}" for k, v in kw.items())
    return f"{name}(params, {args}) for {STEPS} steps, lr halved at steps 20 and 40"


# ----------------------------------------------------------------------------- task 1

SGD_CONFIGS = {
    "plain": {"lr": 0.1},
    "momentum": {"lr": 0.1, "momentum": 0.9},
    "dampening": {"lr": 0.05, "momentum": 0.8, "dampening": 0.3},
    "weight_decay": {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.05},
    "nesterov": {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    "nesterov_decay": {"lr": 0.05, "momentum": 0.7, "nesterov": True, "weight_decay": 0.1},
}


@pytest.mark.task(1)
@pytest.mark.parametrize("config", list(SGD_CONFIGS))
def test_sgd_equals_torch_over_many_steps(config, device):
    kw = SGD_CONFIGS[config]
    params0, schedule = make_problem(1, device)
    expected, _, _ = run(
        lambda ps: torch.optim.SGD(ps, foreach=False, **kw),
        set_group_lr,
        params0,
        schedule,
        kw["lr"],
        learner=False,
    )
    got, given, _ = run(
        lambda ps: kata.SGD(ps, **kw), set_attr_lr, params0, schedule, kw["lr"], True
    )
    what = describe("SGD", kw)
    planted = {
        mistake: (lambda plant=plant: ref_sgd(params0, schedule, kw["lr"], kw, plant))
        for plant, mistake in SGD_PLANTS.items()
    }
    compare_runs(got, expected, what, planted)
    check_gradients_untouched(given, what)


def check_trains_a_model_like_torch(name, kw, device):
    """25 training steps of a small MLP, the learner's optimizer built from model.parameters()."""
    __tracebackhide__ = True
    gen = torch.Generator().manual_seed(2)
    X = torch.randn(16, 4, generator=gen, dtype=torch.float64).to(device)
    y = torch.randn(16, 2, generator=gen, dtype=torch.float64).to(device)
    torch.manual_seed(2)
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).double().to(device)
    reference = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 2)).double().to(device)
    reference.load_state_dict(model.state_dict())
    ref_opt = getattr(torch.optim, name)(reference.parameters(), foreach=False, **kw)
    with forbid(*TORCH_OPTIMIZERS, kata=kata, why=WHY):
        opt = getattr(kata, name)(model.parameters(), **kw)  # a generator: read it once
    args = ", ".join(f"{k}={v}" for k, v in kw.items())
    what = f"{name}(model.parameters(), {args})"
    for step in range(25):
        ref_opt.zero_grad()
        F.mse_loss(reference(X), y).backward()
        ref_opt.step()
        opt.zero_grad()
        F.mse_loss(model(X), y).backward()
        before = [p.detach().clone() for p in model.parameters()]
        learner_step(opt, step)
        if all(torch.equal(b, p) for b, p in zip(before, model.parameters(), strict=True)):
            kept = [
                name for name, value in vars(opt).items() if isinstance(value, types.GeneratorType)
            ]
            why = (
                f"the parameters were kept as the generator model.parameters() (in "
                f"self.{kept[0]}) and read twice from the generator (zero_grad or an earlier "
                f"step emptied it): list() them once in __init__."
                if kept
                else "the update does not reach the parameters: p = p - lr * g only rebinds "
                "a name (update p in place under torch.no_grad()), or the parameters were "
                "read twice from the generator model.parameters() (list() them once)."
            )
            raise AssertionError(
                f"{what}: step {step + 1} changed no parameter. Likely mistake: {why}"
            )
        for (pname, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
            assert_tensor_close(
                p,
                q,
                what=f"{what}: {pname} after step {step + 1} of training a model",
                **TIGHT,
                mistake=f"the parameters were read twice from the generator (the second "
                f"time it is empty), or the update differs from torch.optim.{name}'s.",
            )


@pytest.mark.task(1)
def test_sgd_trains_a_model_like_torch(device):
    kw = {"lr": 0.05, "momentum": 0.9, "weight_decay": 1e-3, "nesterov": True}
    check_trains_a_model_like_torch("SGD", kw, device)


@pytest.mark.task(1)
def test_sgd_zero_grad_sets_grads_to_none(device):
    params = leaves(make_problem(3, device)[0])
    for p in params:
        p.grad = torch.ones_like(p)
    opt = kata.SGD(params, lr=0.1, momentum=0.9)
    opt.zero_grad()
    still = [i for i, p in enumerate(params) if p.grad is not None]
    if still:
        raise AssertionError(
            f"SGD(params, lr=0.1, momentum=0.9).zero_grad() left .grad set on parameters "
            f"{still}; expected None on every parameter (as torch's set_to_none=True)."
        )


@pytest.mark.task(1)
def test_sgd_update_records_no_graph(device):
    params = leaves(make_problem(4, device)[0])
    for p in params:
        p.grad = torch.ones_like(p)
    opt = kata.SGD(params, lr=0.1, momentum=0.9, weight_decay=0.1)
    learner_step(opt, 0)
    for i, p in enumerate(params):
        if p.grad_fn is not None or not p.is_leaf:
            raise AssertionError(
                f"after SGD.step(), parameter {i} has grad_fn {type(p.grad_fn).__name__}: the "
                f"update was recorded by autograd. Likely mistake: update in place under "
                f"torch.no_grad() instead of p = p - lr * g (which also loses the Parameter)."
            )


SGD_BAD = {
    "lr -0.1": {"lr": -0.1},
    "momentum -0.5": {"lr": 0.1, "momentum": -0.5},
    "weight_decay -1": {"lr": 0.1, "weight_decay": -1.0},
    "nesterov without momentum": {"lr": 0.1, "nesterov": True},
    "nesterov with dampening": {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
}


@pytest.mark.task(1)
@pytest.mark.parametrize("problem", list(SGD_BAD))
def test_sgd_rejects_bad_arguments(problem, device):
    kw = SGD_BAD[problem]
    params = leaves(make_problem(5, device)[0])
    assert_raises(
        ValueError,
        kata.SGD,
        params,
        **kw,
        what=f"SGD(params, {', '.join(f'{k}={v}' for k, v in kw.items())}) ({problem})",
        mistake="check the arguments as torch.optim.SGD does and raise ValueError.",
    )


# ----------------------------------------------------------------------------- task 2

ADAM_CONFIGS = {
    "default": {"lr": 1e-2},
    "betas": {"lr": 5e-3, "betas": (0.8, 0.99), "eps": 1e-6},
    "l2_decay": {"lr": 1e-2, "weight_decay": 0.1},
}
ADAMW_CONFIGS = {
    "default": {"lr": 1e-2},
    "strong_decay": {"lr": 2e-2, "weight_decay": 0.3, "betas": (0.85, 0.995)},
}


def adam_planted(params0, schedule, kw, decoupled):
    names = set(ADAM_PLANTS) - ({"decoupled"} if decoupled else {"coupled"})
    if not decoupled:
        names -= {"decay_after_update", "decay_without_lr"}
    return {
        ADAM_PLANTS[p]: (
            lambda plant=p: ref_adam(params0, schedule, kw["lr"], kw, decoupled, plant)
        )
        for p in names
    }


@pytest.mark.task(2)
@pytest.mark.parametrize("config", list(ADAM_CONFIGS))
def test_adam_equals_torch_over_many_steps(config, device):
    kw = ADAM_CONFIGS[config]
    params0, schedule = make_problem(10, device)
    # the form of the question list, written correctly: Adam(model.parameters(), lr=...)
    expected, _, _ = run(
        lambda ps: torch.optim.Adam(ps, foreach=False, **kw),
        set_group_lr,
        params0,
        schedule,
        kw["lr"],
        learner=False,
    )
    got, given, _ = run(
        lambda ps: kata.Adam(ps, **kw), set_attr_lr, params0, schedule, kw["lr"], True
    )
    what = describe("Adam", kw)
    compare_runs(got, expected, what, adam_planted(params0, schedule, kw, decoupled=False))
    check_gradients_untouched(given, what)


@pytest.mark.task(2)
@pytest.mark.parametrize("config", list(ADAMW_CONFIGS))
def test_adamw_equals_torch_over_many_steps(config, device):
    kw = ADAMW_CONFIGS[config]
    params0, schedule = make_problem(11, device)
    expected, _, _ = run(
        lambda ps: torch.optim.AdamW(ps, foreach=False, **kw),
        set_group_lr,
        params0,
        schedule,
        kw["lr"],
        learner=False,
    )
    got, given, _ = run(
        lambda ps: kata.AdamW(ps, **kw), set_attr_lr, params0, schedule, kw["lr"], True
    )
    what = describe("AdamW", kw)
    compare_runs(got, expected, what, adam_planted(params0, schedule, kw, decoupled=True))
    check_gradients_untouched(given, what)


@pytest.mark.task(2)
def test_adams_first_step_moves_each_weight_by_about_lr(device):
    # with bias correction, step 1 is p - lr * g / (|g| + eps): about lr against the sign of g
    params0, schedule = make_problem(12, device, steps=1)
    got, _, _ = run(lambda ps: kata.Adam(ps, lr=0.01), set_attr_lr, params0, schedule, 0.01, True)
    for i, (p0, g, p1) in enumerate(zip(params0, schedule[0], got[0], strict=True)):
        expected = p0 - 0.01 * g / (g.abs() + 1e-8)
        uncorrected = p0 - 0.01 * (0.1 * g) / ((0.001 * g * g).sqrt() + 1e-8)
        assert_tensor_close(
            p1,
            expected,
            what=f"Adam(params, lr=0.01): parameter {i} {tuple(p0.shape)} after the first step",
            **TIGHT,
            mistake="no bias correction: m and v start at zero, so the first step must be "
            "divided by (1 - beta1) and sqrt(1 - beta2) (then it moves each weight by about "
            "lr); without them it is sqrt(1000) / 10 = 3.16 times too large."
            if p1.shape == uncorrected.shape and torch.allclose(p1, uncorrected, **TIGHT)
            else "the first step is p - lr * g / (|g| + eps) with the bias correction: m and v "
            "start at zero, m = (1 - beta1) g, v = (1 - beta2) g^2, each divided by "
            "(1 - beta ** 1).",
        )


@pytest.mark.task(2)
def test_adam_l2_and_adamw_decoupled_decay_differ_as_documented(device):
    # zero gradients: AdamW only shrinks, p * (1 - lr * wd) ** k; Adam's L2 decay becomes a
    # gradient wd * p, which Adam normalises: each weight moves by about lr per step
    params0 = [p for p in make_problem(13, device)[0]]
    zero = [[torch.zeros_like(p) for p in params0] for _ in range(5)]
    got_w, _, _ = run(
        lambda ps: kata.AdamW(ps, lr=0.01, weight_decay=0.1), set_attr_lr, params0, zero, 0.01, True
    )
    for i, p0 in enumerate(params0):
        assert_tensor_close(
            got_w[-1][i],
            p0 * (1 - lr_at(0.01, 0) * 0.1) ** 5,
            what=f"AdamW(params, lr=0.01, weight_decay=0.1), 5 steps of zero gradients: "
            f"parameter {i}",
            **TIGHT,
            mistake="AdamW's decay is decoupled: p = p * (1 - lr * weight_decay) each step, "
            "and a zero gradient adds nothing. If it moved by about lr, the decay went into "
            "the gradient (that is Adam's L2 decay).",
        )
    got_a, _, _ = run(
        lambda ps: kata.Adam(ps, lr=0.01, weight_decay=0.1), set_attr_lr, params0, zero, 0.01, True
    )
    expected_a = ref_adam(params0, zero, 0.01, {"lr": 0.01, "weight_decay": 0.1}, False, None)
    for i in range(len(params0)):
        assert_tensor_close(
            got_a[-1][i],
            expected_a[-1][i],
            what=f"Adam(params, lr=0.01, weight_decay=0.1), 5 steps of zero gradients: "
            f"parameter {i}",
            **TIGHT,
            mistake="Adam's weight_decay is L2: g = p.grad + weight_decay * p goes through "
            "the moments, so even a zero gradient moves each weight by about lr. If the "
            "weights only shrank by (1 - lr * weight_decay), that is AdamW's decoupled decay.",
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_trains_a_model_like_torch(name, device):
    check_trains_a_model_like_torch(name, {"lr": 0.01, "weight_decay": 0.05}, device)


@pytest.mark.task(2)
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
def test_adam_zero_grad_sets_grads_to_none(name, device):
    params = leaves(make_problem(14, device)[0])
    for p in params:
        p.grad = torch.ones_like(p)
    getattr(kata, name)(params, lr=0.1).zero_grad()
    if any(p.grad is not None for p in params):
        raise AssertionError(f"{name}(params, lr=0.1).zero_grad() left some .grad set.")


ADAM_BAD = {
    "lr -1": {"lr": -1.0},
    "eps -1e-8": {"eps": -1e-8},
    "weight_decay -0.1": {"weight_decay": -0.1},
    "beta1 = 1": {"betas": (1.0, 0.999)},
    "beta2 -0.1": {"betas": (0.9, -0.1)},
}


@pytest.mark.task(2)
@pytest.mark.parametrize("name", ["Adam", "AdamW"])
@pytest.mark.parametrize("problem", list(ADAM_BAD))
def test_adam_rejects_bad_arguments(name, problem, device):
    kw = ADAM_BAD[problem]
    assert_raises(
        ValueError,
        getattr(kata, name),
        leaves(make_problem(15, device)[0]),
        **kw,
        what=f"{name}(params, {', '.join(f'{k}={v}' for k, v in kw.items())}) ({problem})",
        mistake="check the arguments as torch.optim.Adam does (betas in [0, 1)).",
    )


# ----------------------------------------------------------------------------- task 3


class Net(nn.Module):
    """Every kind of parameter the grouping rule must handle."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 4)
        self.norm2d = nn.LayerNorm((2, 4))  # a 2-d weight that must not be decayed
        self.body = nn.Sequential(nn.Linear(8, 8), nn.BatchNorm1d(8), nn.GroupNorm(2, 8))
        self.conv = nn.Conv1d(2, 3, 3)
        self.inorm = nn.InstanceNorm1d(3, affine=True)
        self.rms = nn.RMSNorm(8)
        self.scale = nn.Parameter(torch.ones(8))  # 1-d: no decay
        self.proj = nn.Parameter(torch.zeros(8, 4))  # 2-d, not a norm: decay
        self.head = nn.Linear(4, 10, bias=False)
        self.head.weight = self.embed.weight  # tied: one Parameter, two modules

    def expected_groups(self):
        decay = [self.embed.weight, self.body[0].weight, self.conv.weight, self.proj]
        no_decay = [
            self.norm2d.weight,
            self.norm2d.bias,
            self.body[0].bias,
            self.body[1].weight,
            self.body[1].bias,
            self.body[2].weight,
            self.body[2].bias,
            self.conv.bias,
            self.inorm.weight,
            self.inorm.bias,
            self.rms.weight,
            self.scale,
        ]
        order = {id(p): i for i, p in enumerate(self.parameters())}
        return sorted(decay, key=lambda p: order[id(p)]), sorted(
            no_decay, key=lambda p: order[id(p)]
        )


def names_of(model, params):
    names = {}
    for name, p in model.named_parameters(remove_duplicate=False):
        names.setdefault(id(p), name)
    return [names.get(id(p), f"a tensor not in the model {tuple(p.shape)}") for p in params]


def check_groups_shape(groups, wd, what):
    __tracebackhide__ = True
    if (
        not isinstance(groups, list)
        or len(groups) != 2
        or not all(isinstance(g, dict) for g in groups)
    ):
        raise AssertionError(f"{what} returned {groups!r:.200}; expected a list of two dicts.")
    for group, decay in zip(groups, (wd, 0.0), strict=True):
        if set(group) != {"params", "weight_decay"} or group["weight_decay"] != decay:
            raise AssertionError(
                f"{what}: a group is {{{', '.join(f'{k!r}: ...' for k in group)}}} with "
                f"weight_decay {group.get('weight_decay')!r}; expected the keys 'params' and "
                f"'weight_decay', with {wd} for the first group and 0.0 for the second."
            )
        if not isinstance(group["params"], list):
            raise AssertionError(
                f"{what}: 'params' is a {type(group['params']).__name__}; expected a list."
            )


@pytest.mark.task(3)
def test_groups_hold_exactly_the_right_parameters(device):
    model = Net().to(device)
    what = "param_groups(Net(), weight_decay=0.05)"
    groups = kata.param_groups(model, 0.05)
    check_groups_shape(groups, 0.05, what)
    decay, no_decay = model.expected_groups()
    got_decay, got_no_decay = groups[0]["params"], groups[1]["params"]
    all_ids = [id(p) for p in got_decay + got_no_decay]
    twice = [
        n
        for n, p in zip(
            names_of(model, got_decay + got_no_decay), got_decay + got_no_decay, strict=True
        )
        if all_ids.count(id(p)) > 1
    ]
    if twice:
        raise AssertionError(
            f"{what}: {sorted(set(twice))} appear more than once. Likely mistake: collecting "
            f"module.parameters() module by module lists a shared (tied) weight once per "
            f"module; model.parameters() gives each Parameter once."
        )
    missing = [
        n
        for n, p in zip(names_of(model, decay + no_decay), decay + no_decay, strict=True)
        if id(p) not in all_ids
    ]
    if missing:
        raise AssertionError(
            f"{what}: {missing} are in neither group (every parameter must be in exactly one). "
            f"Likely mistake: returning copies (p.clone(), p.detach()) instead of the "
            f"Parameter objects, or skipping some modules."
        )
    wrongly_decayed = [
        n
        for n, p in zip(names_of(model, got_decay), got_decay, strict=True)
        if id(p) in {id(q) for q in no_decay}
    ]
    if wrongly_decayed:
        hint = (
            " LayerNorm((2, 4)) has a 2-d weight: the rule is 'every parameter of a "
            "normalisation layer', not only 1-d ones."
            if any("norm2d" in n for n in wrongly_decayed)
            else " Biases and 1-d scales are not decayed."
        )
        raise AssertionError(
            f"{what}: {wrongly_decayed} are in the decay group; expected no weight decay on "
            f"them.{hint} Likely mistake: a rule by name ('bias' in name) or by dimension alone."
        )
    wrongly_spared = [
        n
        for n, p in zip(names_of(model, got_no_decay), got_no_decay, strict=True)
        if id(p) in {id(q) for q in decay}
    ]
    if wrongly_spared:
        raise AssertionError(
            f"{what}: {wrongly_spared} are in the no-decay group; expected them decayed. "
            f"Likely mistake: treating nn.Embedding as a normalisation layer, or sparing every "
            f"parameter whose name is not 'weight'."
        )
    for label, got, exp in (("decay", got_decay, decay), ("no-decay", got_no_decay, no_decay)):
        if [id(p) for p in got] != [id(p) for p in exp]:
            raise AssertionError(
                f"{what}: the {label} group is in the order {names_of(model, got)}; expected "
                f"the order of model.parameters(): {names_of(model, exp)}."
            )


@pytest.mark.task(3)
def test_frozen_parameters_are_kept_in_their_group(device):
    model = Net().to(device)
    model.body[0].weight.requires_grad_(False)
    model.body[1].bias.requires_grad_(False)
    groups = kata.param_groups(model, 0.1)
    what = "param_groups(Net() with body.0.weight and body.1.bias frozen, 0.1)"
    check_groups_shape(groups, 0.1, what)
    ids = [{id(p) for p in g["params"]} for g in groups]
    if id(model.body[0].weight) not in ids[0] or id(model.body[1].bias) not in ids[1]:
        raise AssertionError(
            f"{what}: a frozen parameter was left out or moved; the docstring asks for every "
            f"parameter of the model, in its group (requires_grad does not decide the group)."
        )


@pytest.mark.task(3)
def test_groups_drive_torch_adamw_as_intended(device):
    model = Net().to(device).double()
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    with torch.no_grad():
        for p in model.parameters():
            p.grad = torch.zeros_like(p)  # Adam's part of the step is then exactly zero
    optimizer = torch.optim.AdamW(kata.param_groups(model, 0.5), lr=0.1, foreach=False)
    optimizer.step()
    decayed = {id(p) for p in model.expected_groups()[0]}
    for name, p in model.named_parameters():
        factor = 1 - 0.1 * 0.5 if id(p) in decayed else 1.0
        assert_tensor_close(
            p.detach(),
            before[name] * factor,
            what=f"torch.optim.AdamW(param_groups(model, 0.5), lr=0.1) one step with zero "
            f"gradients: {name}",
            **TIGHT,
            mistake="only the decay group is shrunk by (1 - lr * weight_decay); the other "
            "group must carry weight_decay 0.0.",
        )


@pytest.mark.task(3)
def test_param_groups_rejects_negative_weight_decay(device):
    assert_raises(
        ValueError,
        kata.param_groups,
        Net().to(device),
        -0.01,
        what="param_groups(Net(), weight_decay=-0.01)",
        mistake="a negative weight decay grows the weights: raise ValueError.",
    )
