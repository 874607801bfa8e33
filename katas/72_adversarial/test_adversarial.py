"""Tests for kata 72: FGSM and PGD against reference loops in float64, the L-inf and
[0, 1] constraints, the model left exactly as it was, and one adversarial training step
against a reference step."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

D, C = 8, 3  # input width, classes


# ----------------------------------------------------------------------------- fixtures


def make_model(device, seed=0, dropout=0.3, dtype=torch.float64):
    """An MLP with batch norm (random running statistics) and dropout, in train mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(
            nn.Linear(D, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(dropout), nn.Linear(16, C)
        )
        with torch.no_grad():
            model[1].running_mean.normal_(0, 0.5)
            model[1].running_var.uniform_(0.5, 2.0)
    return model.to(device, dtype).train()


def make_batch(device, seed, n=12, dtype=torch.float64):
    """Inputs in [0, 1], a quarter of them exactly 0 or 1 (so clamping matters), labels."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(n, D, generator=gen, dtype=dtype)
    edge = torch.rand(n, D, generator=gen) < 0.25
    x = torch.where(edge, (torch.rand(n, D, generator=gen) < 0.5).to(dtype), x)
    y = torch.randint(0, C, (n,), generator=gen)
    return x.to(device), y.to(device)


def input_grad(model, x, y):
    """The reference gradient: model in eval mode, on a copy (the original stays as it is)."""
    ref = copy.deepcopy(model).eval()
    x = x.detach().clone().requires_grad_(True)
    F.cross_entropy(ref(x), y).backward()
    return x.grad


def ref_fgsm(model, x, y, eps):
    return torch.clamp(x + eps * torch.sign(input_grad(model, x, y)), 0, 1)


def no_rise_blame(model, x, y, x_adv, eps):
    """Why an attack did not raise the loss: a step down (rebuilt and compared), or no step."""
    if torch.equal(x_adv, x):
        return (
            "x came back unchanged: no step taken (a zero step size, or the step added to a "
            "copy that is not returned)."
        )
    down = ref_fgsm(model, x, y, -eps)
    up = ref_fgsm(model, x, y, eps)
    # the direction each element moved, against the FGSM direction
    moved, ascent = (x_adv - x).sign(), (up - x).sign()
    both = (moved != 0) & (ascent != 0)
    if torch.allclose(x_adv, down) or (both.any() and (moved[both] == -ascent[both]).all()):
        return "a step down the loss (x - eps * sign(grad)): that is gradient descent."
    return (
        "a step that does not follow sign(grad) of cross_entropy(model(x), y) with respect "
        "to x (the gradient of another loss, or of another tensor, or taken in train mode)."
    )


def ref_pgd(model, x, y, eps, alpha, steps, start, project="original", step=None):
    """PGD by the formula; `project="none"` and `step` give wrong variants, for evidence."""
    xk = start.clone()
    for _ in range(steps):
        xk = xk + (alpha if step is None else step) * torch.sign(input_grad(model, xk, y))
        if project == "original":
            xk = torch.minimum(torch.maximum(xk, x - eps), x + eps)
        xk = torch.clamp(xk, 0, 1)
    return xk


def random_start(x, eps, seed):
    gen = torch.Generator().manual_seed(seed)
    delta = torch.empty(x.shape, dtype=x.dtype).uniform_(-eps, eps, generator=gen)
    return torch.clamp(x + delta.to(x.device), 0, 1)


def model_state(model):
    """Everything an attack must leave alone: modes, parameters, .grad, flags, buffers."""
    return {
        "modes": [(name, m.training) for name, m in model.named_modules()],
        "params": [(n, p.detach().clone(), p.requires_grad) for n, p in model.named_parameters()],
        "grads": [
            (n, None if p.grad is None else p.grad.clone()) for n, p in model.named_parameters()
        ],
        "buffers": [(n, b.clone()) for n, b in model.named_buffers()],
    }


def check_model_untouched(model, before, what):
    __tracebackhide__ = True
    after = model_state(model)
    if after["modes"] != before["modes"]:
        changed = [
            f"{name or 'model'}: {was} -> {now}"
            for (name, was), (_, now) in zip(before["modes"], after["modes"], strict=True)
            if was != now
        ]
        raise AssertionError(
            f"{what}: training flags changed ({', '.join(changed)}; True = train mode). Likely "
            f"mistake: the mode was not restored after model.eval(): save each submodule's "
            f"flag (model.train(was_training) alone also resets a submodule that was frozen "
            f"in eval mode)."
        )
    for (name, value, flag), (_, now, now_flag) in zip(
        before["params"], after["params"], strict=True
    ):
        if flag != now_flag:
            raise AssertionError(
                f"{what}: parameter {name} now has requires_grad={now_flag}. Likely mistake: "
                f"freezing the model's parameters for the attack and not restoring them."
            )
        if not torch.equal(value, now):
            raise AssertionError(f"{what}: parameter {name} changed; an attack must not train.")
    for (name, grad), (_, now) in zip(before["grads"], after["grads"], strict=True):
        if (grad is None) != (now is None) or (grad is not None and not torch.equal(grad, now)):
            raise AssertionError(
                f"{what}: the .grad of parameter {name} changed ("
                + ("None before" if grad is None else "a gradient before")
                + "). Likely mistake: loss.backward() in the attack accumulates gradients "
                "into the model's parameters; use torch.autograd.grad(loss, x_adv), which "
                "returns the input's gradient only."
            )
    for (name, value), (_, now) in zip(before["buffers"], after["buffers"], strict=True):
        if not torch.equal(value, now):
            raise AssertionError(
                f"{what}: the buffer {name} changed. Likely mistake: attacking in train "
                f"mode: batch norm then updates its running statistics (and dropout is on); "
                f"call model.eval() for the attack."
            )


def check_attack_result(x_adv, x, eps, what, dtype=torch.float64):
    """Shape, detachment, the [0, 1] range and the eps-ball."""
    __tracebackhide__ = True
    if not isinstance(x_adv, torch.Tensor) or x_adv.shape != x.shape:
        got = tuple(x_adv.shape) if isinstance(x_adv, torch.Tensor) else type(x_adv).__name__
        raise AssertionError(f"{what} returned {got}; expected a tensor of x's shape.")
    if x_adv.requires_grad or x_adv.grad_fn is not None:
        raise AssertionError(
            f"{what} returned a tensor that requires grad (grad_fn {x_adv.grad_fn}). Likely "
            f"mistake: the adversarial example was not detached: it drags the attack's graph "
            f"into the training step."
        )
    tol = 1e-12 if dtype == torch.float64 else 1e-6
    lo, hi = x_adv.min().item(), x_adv.max().item()
    if lo < 0 or hi > 1:
        raise AssertionError(
            f"{what}: values from {lo:.4g} to {hi:.4g} leave the valid range [0, 1]. Likely "
            f"mistake: forgetting to clamp to [0, 1] after the step."
        )
    dist = (x_adv - x).abs().max().item()
    if dist > eps + tol:
        raise AssertionError(
            f"{what}: max |x_adv - x| = {dist:.4g} > eps = {eps}. Likely mistake: no "
            f"projection back into the eps-ball, or a projection around the previous iterate "
            f"instead of the original x."
        )


def attack_evidence(got, expected, candidates) -> str:
    for name, value in candidates.items():
        if torch.allclose(got.to(value.dtype), value, rtol=0, atol=1e-12):
            return name
    return "the update is not the documented one."


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_fgsm_is_one_signed_step_then_clamp(device):
    for trial in range(4):
        model = make_model(device, seed=trial)
        x, y = make_batch(device, seed=10 + trial)
        eps = [0.03, 0.1, 0.3, 0.5][trial]
        expected = ref_fgsm(model, x, y, eps)
        what = f"fgsm(model, x (12, 8), y (12,), eps={eps}), float64"
        got = kata.fgsm(model, x, y, eps)
        grad = input_grad(model, x, y)
        wrong = {
            "a step down the loss (x - eps * sign(grad)): that is gradient descent, the attack "
            "must ascend.": torch.clamp(x - eps * grad.sign(), 0, 1),
            "forgetting to clamp to [0, 1]": x + eps * grad.sign(),
            "the raw gradient instead of its sign (FGSM steps eps * sign(grad))": torch.clamp(
                x + eps * grad, 0, 1
            ),
        }
        ok = isinstance(got, torch.Tensor) and got.shape == x.shape
        mistake = attack_evidence(got, expected, wrong) if ok else ""
        assert_tensor_close(got, expected, what=what, rtol=0, atol=1e-12, mistake=mistake)


@pytest.mark.task(1)
def test_fgsm_stays_in_the_ball_and_in_range(device):
    for dtype in (torch.float64, torch.float32):
        model = make_model(device, seed=5, dtype=dtype)
        x, y = make_batch(device, seed=15, dtype=dtype)
        what = f"fgsm(model, x (12, 8) with values at 0 and 1, y, eps=0.2), {dtype}"
        check_attack_result(kata.fgsm(model, x, y, 0.2), x, 0.2, what, dtype)


@pytest.mark.task(1)
def test_fgsm_raises_the_loss(device):
    model = make_model(device, seed=6)
    x, y = make_batch(device, seed=16, n=32)
    eval_model = copy.deepcopy(model).eval()
    x_adv = kata.fgsm(model, x, y, 0.1)
    with torch.no_grad():
        clean = F.cross_entropy(eval_model(x), y).item()
        attacked = F.cross_entropy(eval_model(x_adv), y).item()
    if not attacked > clean:
        raise AssertionError(
            f"fgsm(model, x (32, 8), y, eps=0.1): the loss in eval mode went from {clean:.4g} "
            f"to {attacked:.4g}; an attack must raise it. Likely mistake: "
            + no_rise_blame(model, x, y, x_adv, 0.1)
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("mode", ["train", "eval", "frozen-batchnorm"])
def test_fgsm_leaves_the_model_as_it_was(mode, device):
    model = make_model(device, seed=7)
    if mode == "eval":
        model.eval()
    elif mode == "frozen-batchnorm":
        model[1].eval()  # fine-tuning with frozen batch norm: the rest trains
    x, y = make_batch(device, seed=17)
    before = model_state(model)
    expected = ref_fgsm(model, x, y, 0.1)
    what = f"fgsm(model in {mode} mode, x (12, 8), y, eps=0.1)"
    got = kata.fgsm(model, x, y, 0.1)
    check_model_untouched(model, before, what)
    assert_tensor_close(
        got,
        expected,
        what=what,
        rtol=0,
        atol=1e-12,
        mistake=(
            "attacking in train mode: dropout and batch statistics change the gradient; "
            "the attack runs with model.eval(). Or a wrong FGSM step: "
            "clamp(x + eps * sign(grad), 0, 1)."
            if mode != "eval"
            else "the model came in eval mode, so the attack either switched it to train "
            "mode (model.train()), or took a wrong FGSM step: clamp(x + eps * sign(grad), 0, 1)."
        ),
    )


@pytest.mark.task(1)
def test_fgsm_keeps_existing_parameter_gradients(device):
    model = make_model(device, seed=8)
    gen = torch.Generator().manual_seed(8)
    for p in model.parameters():  # a training step in progress
        p.grad = torch.randn(p.shape, generator=gen, dtype=p.dtype).to(device)
    x, y = make_batch(device, seed=18)
    before = model_state(model)
    kata.fgsm(model, x, y, 0.1)
    check_model_untouched(model, before, "fgsm(model whose parameters hold gradients, x, y, 0.1)")


@pytest.mark.task(1)
def test_fgsm_leaves_the_callers_x_alone(device):
    model = make_model(device, seed=9)
    base, y = make_batch(device, seed=19)
    cases = {
        "x that requires grad": base.clone().requires_grad_(True),
        "a non-contiguous x (a transposed view)": base.T.contiguous().T,
        "x of one sample (1, 8)": base[:1].clone(),
    }
    for label, x in cases.items():
        before, flag = x.detach().clone(), x.requires_grad
        labels = y[: x.shape[0]]
        what = f"fgsm(model, {label}, y, eps=0.1)"
        got = kata.fgsm(model, x, labels, 0.1)
        if x.requires_grad != flag:
            raise AssertionError(
                f"{what}: the caller's x now has requires_grad={x.requires_grad}. Likely "
                f"mistake: x.requires_grad_(True) on the caller's tensor; use "
                f"x.detach().clone().requires_grad_(True)."
            )
        assert_tensor_close(
            x.detach(),
            before,
            what=f"x after {what}",
            mistake="the attack changed the caller's x in place (x.add_ or x.data); work on "
            "x.detach().clone().",
        )
        if x.grad is not None:
            raise AssertionError(
                f"{what}: x.grad is now set. Likely mistake: the gradient was taken with respect "
                f"to the caller's x itself; take it on a detached copy."
            )
        check_attack_result(got, x.detach(), 0.1, what)
        assert_tensor_close(
            got, ref_fgsm(model, x.detach(), labels, 0.1), what=what, rtol=0, atol=1e-12
        )


@pytest.mark.task(1)
def test_fgsm_with_eps_zero_returns_a_copy_of_x(device):
    model = make_model(device, seed=10)
    x, y = make_batch(device, seed=20)
    got = kata.fgsm(model, x, y, 0.0)
    assert_tensor_close(got, x, what="fgsm(model, x, y, eps=0.0)", rtol=0, atol=0)
    if got.untyped_storage().data_ptr() == x.untyped_storage().data_ptr():
        raise AssertionError(
            "fgsm(model, x, y, eps=0.0) returned x itself (the same storage); expected a new "
            "tensor, so that changing it cannot change the caller's x."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("problem", ["eps < 0", "x > 1", "x < 0"])
def test_fgsm_rejects_bad_arguments(problem, device):
    model = make_model(device, seed=11)
    x, y = make_batch(device, seed=21)
    eps = -0.1 if problem == "eps < 0" else 0.1
    if problem == "x > 1":
        x = x * 255  # pixels not scaled to [0, 1]
    elif problem == "x < 0":
        x = x - 0.5  # normalised inputs
    assert_raises(
        ValueError,
        kata.fgsm,
        model,
        x,
        y,
        eps,
        what=f"fgsm(model, x, y, eps={eps}) with {problem}",
        mistake="no check of eps >= 0 and of x in the valid range [0, 1].",
    )


# ----------------------------------------------------------------------------- task 2


def pgd_candidates(model, x, y, eps, alpha, steps, start):
    return {
        "no projection into the eps-ball after each step, or a projection around the "
        "previous iterate instead of the original x (which never binds)": ref_pgd(
            model, x, y, eps, alpha, steps, start, project="none"
        ),
        "a step of size eps instead of the step size alpha": ref_pgd(
            model, x, y, eps, alpha, steps, start, step=eps
        ),
        "a step down the loss (x - alpha * sign(grad)): that is gradient descent": ref_pgd(
            model, x, y, eps, alpha, steps, start, step=-alpha
        ),
        "starting from x although random_start=True (the start is x plus uniform noise "
        "from the generator)": ref_pgd(model, x, y, eps, alpha, steps, x.clone()),
    }


@pytest.mark.task(2)
@pytest.mark.parametrize("random", [False, True], ids=["from-x", "random-start"])
def test_pgd_equals_the_reference_loop(random, device):
    for trial, (eps, alpha, steps) in enumerate([(0.1, 0.03, 7), (0.05, 0.02, 4), (0.3, 0.1, 5)]):
        model = make_model(device, seed=20 + trial)
        x, y = make_batch(device, seed=30 + trial)
        seed = 40 + trial
        start = random_start(x, eps, seed) if random else x.clone()
        expected = ref_pgd(model, x, y, eps, alpha, steps, start)
        what = (
            f"pgd(model, x (12, 8), y, eps={eps}, alpha={alpha}, steps={steps}, "
            f"random_start={random}, generator=seeded), float64"
        )
        got = kata.pgd(
            model,
            x,
            y,
            eps,
            alpha,
            steps,
            random_start=random,
            generator=torch.Generator().manual_seed(seed),
        )
        mistake = (
            attack_evidence(got, expected, pgd_candidates(model, x, y, eps, alpha, steps, start))
            if isinstance(got, torch.Tensor) and got.shape == x.shape
            else ""
        )
        assert_tensor_close(got, expected, what=what, rtol=0, atol=1e-12, mistake=mistake)


@pytest.mark.task(2)
def test_pgd_starts_from_the_documented_point(device):
    model = make_model(device, seed=25)
    x, y = make_batch(device, seed=35)
    for random in (True, False):
        expected = random_start(x, 0.2, 45) if random else x
        what = (
            f"pgd(model, x, y, eps=0.2, alpha=0.05, steps=0, random_start={random}, "
            f"generator=torch.Generator().manual_seed(45))"
        )
        got = kata.pgd(
            model,
            x,
            y,
            0.2,
            0.05,
            0,
            random_start=random,
            generator=torch.Generator().manual_seed(45),
        )
        assert_tensor_close(
            got,
            expected,
            what=what,
            rtol=0,
            atol=1e-12,
            mistake="the random start is clamp(x + delta, 0, 1) with delta = torch.empty(x.shape, "
            "dtype=x.dtype).uniform_(-eps, eps, generator=generator) drawn on the CPU; "
            "without random_start the start is x. Likely mistake: no random start, noise not "
            "drawn from the given generator, or not clamped.",
        )


@pytest.mark.task(2)
def test_pgd_without_a_generator_draws_from_torchs_global_one(device):
    model = make_model(device, seed=24)
    x, y = make_batch(device, seed=34)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(44)
        delta = torch.empty(x.shape, dtype=x.dtype).uniform_(-0.2, 0.2)
        torch.manual_seed(44)
        got = kata.pgd(model, x, y, 0.2, 0.05, 0, random_start=True)
    assert_tensor_close(
        got,
        torch.clamp(x + delta.to(device), 0, 1),
        what="pgd(model, x, y, eps=0.2, alpha=0.05, steps=0, random_start=True, "
        "generator=None) after torch.manual_seed(44)",
        rtol=0,
        atol=1e-12,
        mistake="with generator=None the noise comes from torch's global CPU generator: "
        "torch.empty(x.shape, dtype=x.dtype).uniform_(-eps, eps, generator=None).",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_pgd_stays_in_the_ball_and_in_range(dtype, device):
    model = make_model(device, seed=26, dtype=dtype)
    x, y = make_batch(device, seed=36, dtype=dtype)
    # alpha * steps is 6 eps: without the projection onto the ball around x it drifts out
    for random in (False, True):
        what = f"pgd(model, x, y, eps=0.05, alpha=0.03, steps=10, random_start={random}), {dtype}"
        got = kata.pgd(
            model,
            x,
            y,
            0.05,
            0.03,
            10,
            random_start=random,
            generator=torch.Generator().manual_seed(46),
        )
        check_attack_result(got, x, 0.05, what, dtype)


@pytest.mark.task(2)
def test_pgd_raises_the_loss_more_than_fgsm(device):
    model = make_model(device, seed=27)
    x, y = make_batch(device, seed=37, n=32)
    eval_model = copy.deepcopy(model).eval()
    x_adv = kata.pgd(model, x, y, 0.1, 0.025, 10, random_start=False)
    x_fgsm = ref_fgsm(model, x, y, 0.1)
    with torch.no_grad():
        clean = F.cross_entropy(eval_model(x), y).item()
        attacked = F.cross_entropy(eval_model(x_adv), y).item()
        one_step = F.cross_entropy(eval_model(x_fgsm), y).item()
    if not attacked > clean:
        raise AssertionError(
            f"pgd(model, x (32, 8), y, eps=0.1, alpha=0.025, steps=10): the loss went from "
            f"{clean:.4g} to {attacked:.4g}; an attack must raise it. Likely mistake: "
            + no_rise_blame(model, x, y, x_adv, 0.1).replace("eps * sign", "alpha * sign")
        )
    if not attacked > 0.9 * one_step:
        raise AssertionError(
            f"pgd(...) raised the loss from {clean:.4g} to {attacked:.4g} only; one FGSM step "
            f"of the same eps reaches {one_step:.4g}. Likely mistake: the step size or the "
            f"number of steps is not used, or each step is projected around the previous "
            f"iterate (the steps cannot add up)."
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("mode", ["train", "eval", "frozen-batchnorm"])
def test_pgd_leaves_the_model_and_x_as_they_were(mode, device):
    model = make_model(device, seed=28)
    if mode == "eval":
        model.eval()
    elif mode == "frozen-batchnorm":
        model[1].eval()
    gen = torch.Generator().manual_seed(28)
    for p in list(model.parameters())[:2]:  # some hold gradients, the rest are None
        p.grad = torch.randn(p.shape, generator=gen, dtype=p.dtype).to(device)
    x, y = make_batch(device, seed=38)
    x.requires_grad_(True)
    x_before = x.detach().clone()
    before = model_state(model)
    what = f"pgd(model in {mode} mode, x that requires grad, y, 0.1, 0.03, steps=3)"
    got = kata.pgd(model, x, y, 0.1, 0.03, 3, random_start=False)
    check_model_untouched(model, before, what)
    assert_tensor_close(
        x.detach(), x_before, what=f"x after {what}", mistake="the attack changed the caller's x."
    )
    if x.grad is not None:
        raise AssertionError(
            f"{what}: x.grad is now set; expected the caller's x.grad to stay None. Likely "
            f"mistake: the gradient was taken with respect to the caller's x itself; take it "
            f"on a detached copy."
        )
    check_attack_result(got, x_before, 0.1, what)


@pytest.mark.task(2)
@pytest.mark.parametrize(
    "eps, alpha, steps",
    [(-0.1, 0.01, 3), (0.1, 0.0, 3), (0.1, -0.01, 3), (0.1, 0.01, -1)],
    ids=["eps<0", "alpha=0", "alpha<0", "steps<0"],
)
def test_pgd_rejects_bad_arguments(eps, alpha, steps, device):
    model = make_model(device, seed=29)
    x, y = make_batch(device, seed=39)
    assert_raises(
        ValueError,
        kata.pgd,
        model,
        x,
        y,
        eps,
        alpha,
        steps,
        what=f"pgd(model, x, y, eps={eps}, alpha={alpha}, steps={steps})",
        mistake="no check of eps >= 0, alpha > 0 and steps >= 0.",
    )
    assert_raises(
        ValueError,
        kata.pgd,
        model,
        x * 2,
        y,
        0.1,
        0.01,
        3,
        what="pgd(model, x with values up to 2, y, 0.1, 0.01, 3)",
        mistake="no check that x lies in the valid range [0, 1].",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "optimizer_class, hyper",
    [
        pytest.param(torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}, id="sgd-momentum"),
        pytest.param(torch.optim.Adam, {"lr": 0.01}, id="adam"),
    ],
)
def test_adversarial_train_step_equals_a_reference_step(optimizer_class, hyper, device):
    model = make_model(device, seed=50, dropout=0.0)  # batch norm trains; no dropout noise
    ref = copy.deepcopy(model)
    optimizer = optimizer_class(model.parameters(), **hyper)
    ref_opt = optimizer_class(ref.parameters(), **hyper)
    params = list(model.parameters())
    seen = []
    optimizer.register_step_pre_hook(
        lambda opt, args, kwargs: seen.append([p.grad.clone() for p in params])
    )
    for call in range(3):
        x, y = make_batch(device, seed=60 + call)
        x_before, y_before = x.clone(), y.clone()
        buffers_before = [b.clone() for b in model.buffers()]
        eps, alpha, steps, seed = 0.1, 0.03, 4, 70 + call
        x_adv = ref_pgd(ref, x, y, eps, alpha, steps, random_start(x, eps, seed))
        ref_opt.zero_grad()
        ref_loss = F.cross_entropy(ref(x_adv), y)
        ref_loss.backward()
        ref_grads = [p.grad.clone() for p in ref.parameters()]
        ref_opt.step()
        what = (
            f"adversarial_train_step(model, x (12, 8), y, {optimizer_class.__name__}, "
            f"eps={eps}, alpha={alpha}, steps={steps}, generator=seeded), call {call + 1} of 3"
        )
        got = kata.adversarial_train_step(
            model, x, y, optimizer, eps, alpha, steps, torch.Generator().manual_seed(seed)
        )
        if len(seen) != call + 1:
            raise AssertionError(
                f"{what}: optimizer.step() ran {len(seen) - call} times; expected once."
            )
        for i, (g, e) in enumerate(zip(seen[-1], ref_grads, strict=True)):
            assert_tensor_close(
                g,
                e,
                what=f"{what}: .grad of parameter {i} seen by optimizer.step()",
                rtol=1e-10,
                atol=1e-12,
                mistake="the optimizer must see the gradient of cross_entropy(model(x_adv), y) "
                "only, in the caller's (train) mode: training on the clean x, the attack's "
                "gradients left in .grad (zero_grad before the attack instead of after), or "
                "the update in eval mode.",
            )
        if type(got) is not float:
            raise AssertionError(f"{what} returned {type(got).__name__}; expected a float.")
        if abs(got - ref_loss.item()) > 1e-9 * max(1.0, abs(ref_loss.item())):
            raise AssertionError(
                f"{what} returned {got:.10g}; the adversarial loss before the update is "
                f"{ref_loss.item():.10g}. Likely mistake: the clean loss, or the loss after "
                f"the update."
            )
        for (name, p), q in zip(model.named_parameters(), ref.parameters(), strict=True):
            assert_tensor_close(p, q, what=f"{what}: parameter {name}", rtol=1e-10, atol=1e-12)
        for (name, b), r, old in zip(
            model.named_buffers(), ref.buffers(), buffers_before, strict=True
        ):
            assert_tensor_close(
                b,
                r,
                what=f"{what}: buffer {name}",
                mistake="the buffer did not change at all: the training forward ran in eval "
                "mode (restore the caller's train mode before the update)."
                if torch.equal(b, old)
                else "batch norm's running statistics must change in the training "
                "forward only, not in the attack (attack in eval mode).",
            )
        assert_tensor_close(x, x_before, what=f"x after {what}", mistake="x was modified.")
        assert_tensor_close(y, y_before, what=f"y after {what}", mistake="y was modified.")
        if not model.training:
            raise AssertionError(
                f"{what}: the model is left in eval mode; the attack must restore the mode."
            )
