"""Tests for kata 81: saliency against per-sample autograd and captum's Saliency,
integrated gradients against a plain midpoint-rule loop and captum's IntegratedGradients
(riemann_middle), completeness, and the model and inputs left exactly as they were.
captum serves only as an oracle here, imported inside the tests that use it."""

import copy

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

D, C = 6, 4  # input width, classes of the MLP


# ----------------------------------------------------------------------------- models


def make_mlp(device, seed=0, dtype=torch.float64):
    """An MLP with batch norm (random running statistics) and dropout, in TRAIN mode, so
    attributions computed without eval() come out wrong (and random)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(
            nn.Linear(D, 16), nn.BatchNorm1d(16), nn.Tanh(), nn.Dropout(0.3), nn.Linear(16, C)
        )
        with torch.no_grad():
            model[1].running_mean.normal_(0, 0.5)
            model[1].running_var.uniform_(0.5, 2.0)
    return model.to(device, dtype).train()


def make_cnn(device, seed=0, dtype=torch.float64):
    """A small ReLU CNN on (B, 2, 5, 5) images, 3 classes."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = nn.Sequential(
            nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 5 * 5, 3)
        )
    return model.to(device, dtype).eval()


def make_x(device, seed, shape=(5, D), dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(shape, generator=gen, dtype=dtype).to(device)


# ----------------------------------------------------------------------------- references


def target_grad(model, z, targets):
    """d model(z)[i, t_i] / d z[i], one sample at a time, on an eval-mode copy."""
    ref = copy.deepcopy(model).eval()
    rows = []
    for i in range(z.shape[0]):
        zi = z[i : i + 1].detach().clone().requires_grad_(True)
        (g,) = torch.autograd.grad(ref(zi)[0, int(targets[i])], zi)
        rows.append(g[0])
    return torch.stack(rows)


def as_targets(target, n):
    return [int(target)] * n if isinstance(target, int) else [int(t) for t in target]


def ref_ig(model, x, targets, baseline, steps, rule="middle", factor=True, whole=False):
    """IG by a loop over the interpolation points; `rule`, `factor`, `whole` give the
    usual wrong versions, to name the one a wrong answer matches."""
    if rule == "middle":
        alphas = [(k + 0.5) / steps for k in range(steps)]
    elif rule == "left":
        alphas = [k / steps for k in range(steps)]
    elif rule == "right":
        alphas = [(k + 1) / steps for k in range(steps)]
    elif rule == "linspace":  # both ends, steps points
        alphas = torch.linspace(0, 1, steps).tolist()
    else:  # "linspace+1": both ends, steps + 1 points
        alphas = torch.linspace(0, 1, steps + 1).tolist()
    total = torch.zeros_like(x)
    for a in alphas:
        z = baseline + a * (x - baseline)
        if whole:
            ref = copy.deepcopy(model).eval()
            zz = z.detach().clone().requires_grad_(True)
            (g,) = torch.autograd.grad(ref(zz).sum(), zz)
        else:
            g = target_grad(model, z, targets)
        total = total + g
    mean = total / len(alphas)
    return (x - baseline) * mean if factor else mean


def ig_evidence(got, model, x, targets, baseline, steps) -> str:
    candidates = {
        "the (x - baseline) factor is missing: IG multiplies the averaged gradient by "
        "x - baseline": {"factor": False},
        "the left Riemann rule (alpha = k / steps); this kata uses the midpoints "
        "(k + 0.5) / steps": {"rule": "left"},
        "the right Riemann rule (alpha = (k + 1) / steps); this kata uses the midpoints "
        "(k + 0.5) / steps": {"rule": "right"},
        "the wrong interpolation points (off by one): linspace(0, 1, steps) puts points at "
        "both ends; the midpoint rule uses (k + 0.5) / steps, k = 0 .. steps - 1": {
            "rule": "linspace"
        },
        "steps + 1 interpolation points (linspace(0, 1, steps + 1)); the midpoint rule "
        "uses exactly steps": {"rule": "linspace+1"},
        "the gradient of the whole output (all logits summed) instead of the target logit": {
            "whole": True
        },
    }
    if not isinstance(got, torch.Tensor) or got.shape != x.shape:
        return ""
    g = got.detach().double()
    expected = ref_ig(model, x, targets, baseline, steps).double()
    if torch.allclose(g, -expected, rtol=1e-8, atol=1e-10):
        return (
            "the attributions of the baseline instead of the input: (baseline - x) * ..., "
            "the path walked from x to the baseline; IG is (x - baseline) * the mean gradient."
        )
    for why, kwargs in candidates.items():
        value = ref_ig(model, x, targets, baseline, steps, **kwargs).double()
        if torch.allclose(g, value, rtol=1e-8, atol=1e-10):
            return why
    return "IG = (x - baseline) * mean_k grad(baseline + (k + 0.5) / steps * (x - baseline))."


def model_state(model):
    return {
        "modes": [(n, m.training) for n, m in model.named_modules()],
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
            f"{n or 'model'}: {a} -> {b}"
            for (n, a), (_, b) in zip(before["modes"], after["modes"], strict=True)
            if a != b
        ]
        raise AssertionError(
            f"{what}: training flags changed ({', '.join(changed)}). Likely mistake: the mode "
            f"was not restored after model.eval(): save each submodule's flag and put it back."
        )
    for (n, v, flag), (_, now, now_flag) in zip(before["params"], after["params"], strict=True):
        if flag != now_flag or not torch.equal(v, now):
            raise AssertionError(
                f"{what}: parameter {n} changed ("
                + (
                    f"requires_grad {flag} -> {now_flag}). Likely mistake: freezing the "
                    f"parameters for the attribution and not restoring them."
                    if flag != now_flag
                    else "its values). Likely mistake: an in-place change of the model's "
                    "weights (an optimizer step, or an op on p.data); attribution only reads."
                )
            )
    for (n, g), (_, now) in zip(before["grads"], after["grads"], strict=True):
        if (g is None) != (now is None) or (g is not None and not torch.equal(g, now)):
            raise AssertionError(
                f"{what}: the .grad of parameter {n} changed. Likely mistake: the model's "
                f"parameters get a gradient from loss.backward(); torch.autograd.grad(logit, "
                f"inputs) returns the input's gradient only."
            )
    for (n, b), (_, now) in zip(before["buffers"], after["buffers"], strict=True):
        if not torch.equal(b, now):
            raise AssertionError(
                f"{what}: the buffer {n} changed. Likely mistake: the model ran in train mode "
                f"(batch norm updated its running statistics); call model.eval() first."
            )


def check_x_untouched(x, before, flag, what):
    __tracebackhide__ = True
    if x.requires_grad != flag:
        raise AssertionError(
            f"{what}: the caller's x now has requires_grad={x.requires_grad}. Likely mistake: "
            f"x.requires_grad_(True) on the caller's tensor; use x.detach().clone()."
        )
    assert_tensor_close(
        x.detach(), before, what=f"x after {what}", rtol=0, atol=0, mistake="x was modified."
    )
    if x.grad is not None:
        raise AssertionError(
            f"{what}: x.grad is now set. Likely mistake: backward() on the caller's x; take the "
            f"gradient of a detached copy with torch.autograd.grad."
        )


def check_detached(got, what):
    __tracebackhide__ = True
    if isinstance(got, torch.Tensor) and (got.requires_grad or got.grad_fn is not None):
        raise AssertionError(
            f"{what} returned a tensor that requires grad; expected a detached one. Likely "
            f"mistake: the gradient taken with create_graph=True, or attributions computed "
            f"from x_copy without .detach()."
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("absolute", [True, False], ids=["absolute", "signed"])
def test_saliency_is_the_target_logits_gradient(absolute, device):
    for trial in range(3):
        model = make_mlp(device, seed=trial)
        x = make_x(device, seed=10 + trial)
        target = torch.tensor([0, 3, 1, 2, 3], device=device) if trial else 2
        targets = as_targets(target, 5)
        grad = target_grad(model, x, targets)
        expected = grad.abs() if absolute else grad
        what = (
            f"saliency(model in train mode, x (5, 6), target={targets if trial else 2}, "
            f"absolute={absolute})"
        )
        got = kata.saliency(model, x, target, absolute=absolute)
        mistake = "the gradient of model(x)[i, target_i] with respect to x[i], in eval mode."
        if isinstance(got, torch.Tensor) and got.shape == x.shape:
            ref = copy.deepcopy(model).eval()
            z = x.detach().clone().requires_grad_(True)
            (whole,) = torch.autograd.grad(ref(z).sum(), z)
            other = grad if absolute else grad.abs()
            if torch.allclose(got.double(), whole.abs() if absolute else whole):
                mistake = (
                    "the gradient of the whole output (all logits summed) instead of the "
                    "target logit: select model(x)[i, target_i] first."
                )
            elif torch.allclose(got.double(), other):
                mistake = "absolute=True gives |gradient|, absolute=False the signed gradient."
            else:
                mistake = (
                    "the model was not in eval mode: dropout and batch statistics change the "
                    "gradient (and mix the samples); call model.eval(), restore the mode after."
                )
        assert_tensor_close(got, expected, what=what, rtol=1e-10, atol=1e-12, mistake=mistake)
        check_detached(got, what)


@pytest.mark.task(1)
@pytest.mark.parametrize("absolute", [True, False], ids=["absolute", "signed"])
def test_saliency_matches_captum(absolute, device):
    from captum.attr import Saliency

    model = make_cnn(device, seed=1)
    x = make_x(device, seed=11, shape=(4, 2, 5, 5))
    target = torch.tensor([2, 0, 1, 1], device=device)
    # captum warns (UserWarning) when its input does not require grad; a copy that does
    # avoids that warning, which is captum's own, not the learner's
    expected = Saliency(copy.deepcopy(model)).attribute(
        x.clone().requires_grad_(True), target=target, abs=absolute
    )
    what = f"saliency(CNN, x (4, 2, 5, 5), target=[2, 0, 1, 1], absolute={absolute})"
    got = kata.saliency(model, x, target, absolute=absolute)
    assert_tensor_close(
        got,
        expected.detach(),
        what=f"{what} against captum.attr.Saliency",
        rtol=1e-10,
        atol=1e-12,
        mistake="the gradient of each sample's target logit, |.| when absolute.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("mode", ["train", "eval", "frozen-batchnorm"])
def test_saliency_leaves_the_model_and_x_alone(mode, device):
    model = make_mlp(device, seed=3)
    if mode == "eval":
        model.eval()
    elif mode == "frozen-batchnorm":
        model[1].eval()
    gen = torch.Generator().manual_seed(3)
    model[0].weight.grad = torch.randn(model[0].weight.shape, generator=gen, dtype=torch.float64)
    model[0].weight.grad = model[0].weight.grad.to(device)
    x = make_x(device, seed=13).requires_grad_(True)
    before, x_before = model_state(model), x.detach().clone()
    what = f"saliency(model in {mode} mode, x (5, 6) that requires grad, target=1)"
    got = kata.saliency(model, x, 1)
    check_model_untouched(model, before, what)
    check_x_untouched(x, x_before, True, what)
    check_detached(got, what)


@pytest.mark.task(1)
def test_saliency_is_per_sample(device):
    model = make_mlp(device, seed=4)
    x = make_x(device, seed=14, shape=(6, D))
    target = torch.tensor([0, 1, 2, 3, 0, 1], device=device)
    whole = kata.saliency(model, x, target)
    cases = {
        "a non-contiguous x (a transposed view)": (x.T.contiguous().T, target),
        "a batch of one": (x[2:3].clone(), target[2:3]),
    }
    for label, (xs, ts) in cases.items():
        what = f"saliency(model, {label} {tuple(xs.shape)}, target)"
        got = kata.saliency(model, xs, ts)
        expected = target_grad(model, xs, ts.tolist()).abs()
        assert_tensor_close(
            got,
            expected,
            what=what,
            rtol=1e-10,
            atol=1e-12,
            mistake="the layout and size of the batch must not matter: in eval mode each row "
            "depends on its own sample only.",
        )
    for i in range(6):
        one = kata.saliency(model, x[i : i + 1], target[i : i + 1])
        assert_tensor_close(
            whole[i : i + 1],
            one,
            what=f"row {i} of saliency(model, x (6, 6), target) against saliency of sample "
            f"{i} alone",
            rtol=1e-10,
            atol=1e-12,
            mistake="the rows of a batch depend on each other: batch norm in train mode "
            "uses the batch's statistics (compute in eval mode), or the attributions were "
            "normalised over the whole batch (one max or sum for all rows).",
        )


@pytest.mark.task(1)
def test_saliency_of_float32_inputs(device):
    model = make_cnn(device, seed=6, dtype=torch.float32)
    x = make_x(device, seed=16, shape=(2, 2, 5, 5), dtype=torch.float32)
    got = kata.saliency(model, x, 1)
    assert_tensor_close(
        got,
        target_grad(model, x, [1, 1]).abs(),
        what="saliency(float32 CNN, float32 x (2, 2, 5, 5), target=1)",
        mistake="keep x's dtype (float32) and device.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("problem", ["target 4 of 4 classes", "target -1", "target shape (3,)"])
def test_saliency_rejects_bad_targets(problem, device):
    model = make_mlp(device, seed=5)
    x = make_x(device, seed=15)
    target = {
        "target 4 of 4 classes": 4,
        "target -1": torch.tensor([0, 1, -1, 2, 3], device=device),
        "target shape (3,)": torch.tensor([0, 1, 2], device=device),
    }[problem]
    assert_raises(
        ValueError,
        kata.saliency,
        model,
        x,
        target,
        what=f"saliency(model with 4 classes, x (5, 6), {problem})",
        mistake="no check that every target lies in [0, C) and a target tensor is (B,) "
        "(a negative index would silently pick the last class).",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("steps", [1, 4, 9])
def test_integrated_gradients_equal_the_midpoint_rule(steps, device):
    for trial in range(2):
        model = make_mlp(device, seed=20 + trial)
        x = make_x(device, seed=30 + trial)
        baseline = make_x(device, seed=40 + trial) * 0.3 if trial else torch.zeros_like(x)
        target = 1 if trial else torch.tensor([3, 0, 2, 1, 1], device=device)
        targets = as_targets(target, 5)
        what = (
            f"integrated_gradients(model, x (5, 6), target, baseline="
            f"{'random' if trial else 'None (zeros)'}, steps={steps})"
        )
        got = kata.integrated_gradients(
            model, x, target, baseline=baseline if trial else None, steps=steps
        )
        expected = ref_ig(model, x, targets, baseline, steps)
        mistake = ig_evidence(got, model, x, targets, baseline, steps)
        assert_tensor_close(got, expected, what=what, rtol=1e-9, atol=1e-11, mistake=mistake)
        check_detached(got, what)


@pytest.mark.task(2)
def test_integrated_gradients_match_captum(device):
    from captum.attr import IntegratedGradients

    model = make_cnn(device, seed=21)
    x = make_x(device, seed=31, shape=(3, 2, 5, 5))
    baseline = make_x(device, seed=32, shape=(3, 2, 5, 5)) * 0.1
    target = torch.tensor([1, 2, 0], device=device)
    expected = IntegratedGradients(copy.deepcopy(model)).attribute(
        x, baselines=baseline, target=target, n_steps=12, method="riemann_middle"
    )
    what = "integrated_gradients(CNN, x (3, 2, 5, 5), target=[1, 2, 0], baseline, steps=12)"
    got = kata.integrated_gradients(model, x, target, baseline=baseline, steps=12)
    assert_tensor_close(
        got,
        expected,
        what=f"{what} against captum IntegratedGradients(method='riemann_middle', n_steps=12)",
        # captum takes its alphas from torch.linspace in the default dtype (float32), so they
        # carry float32 rounding (about 1e-7 relative) even for float64 inputs
        rtol=1e-6,
        atol=1e-9,
        mistake=ig_evidence(got, model, x, target.tolist(), baseline, 12),
    )


@pytest.mark.task(2)
def test_completeness_holds_with_enough_steps(device):
    """With 64 midpoint steps on the tanh MLP, each sample's attributions sum to
    model(x)[t] - model(baseline)[t] within 1e-4."""
    model = make_mlp(device, seed=22)
    x = make_x(device, seed=33, shape=(8, D)) * 1.5
    baseline = make_x(device, seed=34, shape=(8, D)) * 0.2
    target = torch.tensor([0, 1, 2, 3, 3, 2, 1, 0], device=device)
    got = kata.integrated_gradients(model, x, target, baseline=baseline, steps=64)
    ref = copy.deepcopy(model).eval()
    with torch.no_grad():
        change = (ref(x) - ref(baseline)).gather(1, target[:, None]).squeeze(1)
    sums = got.detach().flatten(1).sum(1)
    gap = (sums - change).abs()
    if float(gap.max()) > 1e-4:
        i = int(gap.argmax())
        flipped = torch.allclose(sums, -change, atol=1e-3)
        raise AssertionError(
            f"integrated_gradients(model, x (8, 6), target, baseline, steps=64): sample {i}'s "
            f"attributions sum to {sums[i]:.6f}, but model(x)[t] - model(baseline)[t] = "
            f"{change[i]:.6f} (gap {gap[i]:.2e}, allowed 1e-4). Likely mistake: "
            + (
                "the attributions of the baseline instead of the input (the sign is flipped)."
                if flipped
                else "the (x - baseline) factor missing, the gradient of the whole output, or "
                "an end-point rule (left, right, linspace) whose error falls only like 1 / steps."
            )
        )


@pytest.mark.task(2)
def test_integrated_gradients_of_float32_inputs(device):
    model = make_cnn(device, seed=27, dtype=torch.float32)
    x = make_x(device, seed=41, shape=(2, 2, 5, 5), dtype=torch.float32)
    got = kata.integrated_gradients(model, x, 0, steps=5)
    assert_tensor_close(
        got,
        ref_ig(model, x, [0, 0], torch.zeros_like(x), 5),
        what="integrated_gradients(float32 CNN, float32 x (2, 2, 5, 5), 0, steps=5)",
        rtol=1e-5,
        atol=1e-6,
        mistake="keep x's dtype (float32): the alphas made in x's dtype and on its device.",
    )


@pytest.mark.task(2)
def test_a_baseline_equal_to_x_gives_zero_attributions(device):
    model = make_mlp(device, seed=23)
    x = make_x(device, seed=35)
    got = kata.integrated_gradients(model, x, 2, baseline=x.clone(), steps=5)
    assert_tensor_close(
        got,
        torch.zeros_like(x),
        what="integrated_gradients(model, x, 2, baseline=x, steps=5)",
        rtol=0,
        atol=1e-14,
        mistake="IG multiplies by (x - baseline): with baseline = x every attribution is 0.",
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("mode", ["train", "frozen-batchnorm"])
def test_integrated_gradients_leave_the_model_x_and_baseline_alone(mode, device):
    model = make_mlp(device, seed=24)
    if mode == "frozen-batchnorm":
        model[1].eval()
    x = make_x(device, seed=36).requires_grad_(True)
    baseline = make_x(device, seed=37) * 0.1
    before, x_before, b_before = model_state(model), x.detach().clone(), baseline.clone()
    what = f"integrated_gradients(model in {mode} mode, x that requires grad, 1, baseline, 6)"
    got = kata.integrated_gradients(model, x, 1, baseline=baseline, steps=6)
    check_model_untouched(model, before, what)
    check_x_untouched(x, x_before, True, what)
    assert_tensor_close(
        baseline,
        b_before,
        what=f"baseline after {what}",
        rtol=0,
        atol=0,
        mistake="the baseline was modified in place.",
    )
    check_detached(got, what)


@pytest.mark.task(2)
def test_integrated_gradients_are_per_sample(device):
    model = make_mlp(device, seed=25)
    x = make_x(device, seed=38, shape=(4, D))
    baseline = make_x(device, seed=39, shape=(4, D)) * 0.2
    target = torch.tensor([3, 1, 0, 2], device=device)
    whole = kata.integrated_gradients(model, x, target, baseline=baseline, steps=7)
    for i in range(4):
        one = kata.integrated_gradients(
            model, x[i : i + 1], target[i : i + 1], baseline=baseline[i : i + 1], steps=7
        )
        assert_tensor_close(
            whole[i : i + 1],
            one,
            what=f"row {i} of integrated_gradients(model, x (4, 6), target, baseline, 7) "
            f"against sample {i} alone",
            rtol=1e-10,
            atol=1e-12,
            mistake="sample i's target class must follow it to every step of the path (repeat "
            "the targets once per step, in the same order as the interpolated inputs), and "
            "the model must be in eval mode.",
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("problem", ["steps 0", "baseline shape", "target out of range"])
def test_integrated_gradients_reject_bad_arguments(problem, device):
    model = make_mlp(device, seed=26)
    x = make_x(device, seed=40)
    steps, baseline, target = 8, None, 1
    if problem == "steps 0":
        steps = 0
    elif problem == "baseline shape":
        baseline = torch.zeros(1, D, dtype=torch.float64, device=device)
    else:
        target = 7
    assert_raises(
        ValueError,
        kata.integrated_gradients,
        model,
        x,
        target,
        baseline=baseline,
        steps=steps,
        what=f"integrated_gradients(model, x (5, 6), ...) with {problem}",
        mistake="no check that steps >= 1, that baseline has x's shape (a (1, 6) baseline "
        "would broadcast silently), or that the target lies in [0, C).",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
def test_completeness_gap_is_sum_minus_the_change(device):
    model = make_mlp(device, seed=30)
    x = make_x(device, seed=50)
    baseline = make_x(device, seed=51) * 0.3
    target = torch.tensor([1, 0, 3, 2, 2], device=device)
    attributions = make_x(device, seed=52)  # any attributions: the gap is defined for all
    ref = copy.deepcopy(model).eval()
    with torch.no_grad():
        change = (ref(x) - ref(baseline)).gather(1, target[:, None]).squeeze(1)
    expected = attributions.flatten(1).sum(1) - change
    what = "completeness_gap(model, x (5, 6), target, attributions (5, 6), baseline)"
    got = kata.completeness_gap(model, x, target, attributions, baseline=baseline)
    mistake = "gap[i] = attributions[i].sum() - (model(x)[i, t_i] - model(baseline)[i, t_i])."
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        if torch.allclose(got, -expected):
            mistake = "the sign: the gap is the attributions' sum MINUS the change in the logit."
    elif isinstance(got, torch.Tensor) and got.numel() == 1:
        mistake = "one number for the batch; the gap is per sample, shape (B,)."
    assert_tensor_close(got, expected, what=what, rtol=1e-10, atol=1e-12, mistake=mistake)
    check_detached(got, what)


@pytest.mark.task(3)
def test_completeness_gap_matches_captums_convergence_delta(device):
    from captum.attr import IntegratedGradients

    model = make_cnn(device, seed=31)
    x = make_x(device, seed=53, shape=(3, 2, 5, 5))
    target = 2
    attributions, delta = IntegratedGradients(copy.deepcopy(model)).attribute(
        x, target=target, n_steps=10, method="riemann_middle", return_convergence_delta=True
    )
    got = kata.completeness_gap(model, x, target, attributions.detach())
    assert_tensor_close(
        got,
        delta.to(x.dtype),
        what="completeness_gap(CNN, x (3, 2, 5, 5), 2, captum's attributions) against "
        "captum's convergence delta",
        rtol=1e-9,
        atol=1e-11,
        mistake="the baseline defaults to zeros; the gap is sum(attributions) - (F(x) - F(0)).",
    )


@pytest.mark.task(3)
def test_the_gap_falls_like_one_over_steps_squared(device):
    model = make_mlp(device, seed=32)
    x = make_x(device, seed=54, shape=(4, D)) * 1.5
    gaps = {}
    for steps in (4, 16):
        attributions = kata.integrated_gradients(model, x, 3, steps=steps)
        gaps[steps] = float(kata.completeness_gap(model, x, 3, attributions).abs().max())
    if not gaps[16] < gaps[4] / 8:
        likely = (
            "attributions that do not converge to completeness at all (the (x - baseline) "
            "factor missing, the baseline's attributions, the whole output's gradient), or a "
            "gap that does not measure completeness"
            if gaps[16] > gaps[4] / 2
            else "an end-point rule (left, right, linspace) whose error falls only like 1 / steps"
        )
        raise AssertionError(
            f"integrated_gradients then completeness_gap on the tanh MLP: the largest gap is "
            f"{gaps[4]:.3g} at 4 steps and {gaps[16]:.3g} at 16; the midpoint rule's error "
            f"falls like 1 / steps ** 2 (16 times smaller; at least 8 expected). Likely "
            f"mistake: {likely}."
        )


@pytest.mark.task(3)
def test_completeness_gap_leaves_everything_alone(device):
    model = make_mlp(device, seed=33)
    x = make_x(device, seed=55)
    attributions = make_x(device, seed=56).requires_grad_(True)
    before, saved = model_state(model), (x.clone(), attributions.detach().clone())
    what = "completeness_gap(model in train mode, x, 0, attributions that require grad)"
    got = kata.completeness_gap(model, x, 0, attributions)
    check_model_untouched(model, before, what)
    assert_tensor_close(x, saved[0], what=f"x after {what}", rtol=0, atol=0)
    assert_tensor_close(attributions.detach(), saved[1], what=f"attributions after {what}")
    check_detached(got, what)


@pytest.mark.task(3)
@pytest.mark.parametrize("problem", ["attributions shape", "baseline shape"])
def test_completeness_gap_rejects_bad_shapes(problem, device):
    model = make_mlp(device, seed=34)
    x = make_x(device, seed=57)
    attributions, baseline = torch.zeros_like(x), None
    if problem == "attributions shape":
        attributions = attributions[:3]
    else:
        baseline = torch.zeros(1, D, dtype=x.dtype, device=device)
    assert_raises(
        ValueError,
        kata.completeness_gap,
        model,
        x,
        1,
        attributions,
        baseline=baseline,
        what=f"completeness_gap(model, x (5, 6), 1, ...) with a bad {problem}",
        mistake="no check that attributions and baseline have x's shape.",
    )
