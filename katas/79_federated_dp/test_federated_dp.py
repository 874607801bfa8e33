"""Tests for kata 79: per-sample gradients against a loop over samples, per-sample clipping
against a loop, the DP-SGD noise exactly (seeded) and statistically (its scale), and FedAvg
against a hand-weighted average, in float64."""

import copy

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

D, H, C = 5, 6, 3  # input width, hidden width, classes


# ----------------------------------------------------------------------------- references


def make_model(device, seed=0, batchnorm=False, dtype=torch.float64) -> nn.Module:
    """A small MLP; with batch norm (random running statistics), in eval mode."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers = [nn.Linear(D, H)]
        if batchnorm:
            layers.append(nn.BatchNorm1d(H))
        layers += [nn.Tanh(), nn.Linear(H, C)]
        model = nn.Sequential(*layers)
        if batchnorm:
            with torch.no_grad():
                model[1].running_mean.normal_(0, 0.5)
                model[1].running_var.uniform_(0.5, 2.0)
                model[1].weight.normal_(1, 0.3)
            model.eval()
    return model.to(device, dtype)


def make_batch(device, seed, n=7, dtype=torch.float64, width=D):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, width, generator=gen, dtype=dtype) * 2
    y = torch.randint(0, C, (n,), generator=gen)
    return x.to(device), y.to(device)


def trainable(model) -> dict[str, torch.Tensor]:
    return {n: p for n, p in model.named_parameters() if p.requires_grad}


def loop_grads(model, loss_fn, x, y) -> dict[str, torch.Tensor]:
    """Each sample's gradient, one backward per sample (torch.autograd.grad: no .grad)."""
    params = trainable(model)
    rows = []
    for i in range(x.shape[0]):
        loss = loss_fn(model(x[i : i + 1]), y[i : i + 1])
        rows.append(torch.autograd.grad(loss, list(params.values())))
    return {name: torch.stack([r[k] for r in rows]) for k, name in enumerate(params)}


def loop_clip(grads: dict[str, torch.Tensor], max_norm: float) -> dict[str, torch.Tensor]:
    """Per-sample clipping by a loop over samples: one norm per sample over all entries."""
    B = next(iter(grads.values())).shape[0]
    out = {name: torch.empty_like(g) for name, g in grads.items()}
    for i in range(B):
        norm = sum(float(g[i].double().pow(2).sum()) for g in grads.values()) ** 0.5
        factor = 1.0 if norm == 0 else min(1.0, max_norm / norm)
        for name, g in grads.items():
            out[name][i] = g[i] * factor
    return out


def sample_norms(grads: dict[str, torch.Tensor]) -> torch.Tensor:
    return sum(g.detach().double().flatten(1).pow(2).sum(1) for g in grads.values()).sqrt()


def random_grads(gen, device, B=6, max_norm=1.0) -> dict[str, torch.Tensor]:
    """Per-sample gradients of three tensors; sample norms from 0.2 to 3 times max_norm."""
    shapes = {"a.weight": (4, 3), "a.bias": (4,), "b.weight": (2, 4)}
    grads = {n: torch.randn(B, *s, generator=gen, dtype=torch.float64) for n, s in shapes.items()}
    norms = sample_norms(grads)
    targets = torch.linspace(0.2, 3.0, B, dtype=torch.float64) * max_norm
    scale = (targets / norms)[torch.randperm(B, generator=gen)]
    return {n: (g * scale.view(-1, *[1] * (g.dim() - 1))).to(device) for n, g in grads.items()}


def check_keys(got, expected, what):
    __tracebackhide__ = True
    if not isinstance(got, dict) or list(got) != list(expected):
        keys = list(got) if isinstance(got, dict) else type(got).__name__
        raise AssertionError(
            f"{what} returned keys {keys}; expected {list(expected)} (every parameter that "
            f"requires grad, in model.named_parameters() order)."
        )


def check_dicts(got, expected, what, mistake="", rtol=1e-10, atol=1e-12):
    __tracebackhide__ = True
    check_keys(got, expected, what)
    for name in expected:
        assert_tensor_close(
            got[name],
            expected[name],
            what=f"{what}[{name!r}]",
            rtol=rtol,
            atol=atol,
            mistake=mistake,
        )


def dicts_close(a, b, rtol=1e-9, atol=1e-12) -> bool:
    return (
        isinstance(a, dict)
        and list(a) == list(b)
        and all(
            a[k].shape == b[k].shape and torch.allclose(a[k].double(), b[k].double(), rtol, atol)
            for k in b
        )
    )


def model_state(model):
    return {
        "modes": [(n, m.training) for n, m in model.named_modules()],
        "params": [(n, p.detach().clone(), p.requires_grad) for n, p in model.named_parameters()],
        "grads": [
            (n, None if p.grad is None else p.grad.clone()) for n, p in model.named_parameters()
        ],
        "buffers": [(n, b.clone()) for n, b in model.named_buffers()],
    }


def check_model_untouched(model, before, what, changed="the model must be left as it was."):
    __tracebackhide__ = True
    after = model_state(model)
    if after["modes"] != before["modes"]:
        raise AssertionError(
            f"{what}: the training flags changed; expected the model's mode as it was. Likely "
            f"mistake: model.eval() or model.train() on the caller's model without restoring "
            f"each submodule's flag."
        )
    for (n, v, flag), (_, now, now_flag) in zip(before["params"], after["params"], strict=True):
        if flag != now_flag or not torch.equal(v, now):
            raise AssertionError(
                f"{what}: parameter {n} changed (value or requires_grad). Likely mistake: {changed}"
            )
    for (n, g), (_, now) in zip(before["grads"], after["grads"], strict=True):
        if (g is None) != (now is None) or (g is not None and not torch.equal(g, now)):
            raise AssertionError(
                f"{what}: the .grad of parameter {n} changed ("
                + ("None before" if g is None else "a gradient before")
                + "). Likely mistake: loss.backward(), which accumulates into .grad; "
                "torch.func.grad returns the gradients and writes no .grad."
            )
    for (n, b), (_, now) in zip(before["buffers"], after["buffers"], strict=True):
        if not torch.equal(b, now):
            raise AssertionError(
                f"{what}: the buffer {n} changed. Likely mistake: the model ran in train mode "
                f"(batch norm then updates its running statistics), or {changed}"
            )


def ref_noise(model, seed, max_norm, sigma):
    gen = torch.Generator().manual_seed(seed)
    return {
        n: sigma * max_norm * torch.randn(p.shape, generator=gen, dtype=p.dtype).to(p.device)
        for n, p in trainable(model).items()
    }


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("case", ["mlp-cross-entropy", "batchnorm-eval-mse"])
def test_per_sample_grads_equal_a_loop(case, device):
    batchnorm = case != "mlp-cross-entropy"
    for trial in range(2):
        model = make_model(device, seed=trial, batchnorm=batchnorm)
        x, y = make_batch(device, seed=10 + trial)
        if batchnorm:
            y = torch.randn(7, C, generator=torch.Generator().manual_seed(trial), dtype=x.dtype)
            y = y.to(device)
        loss_fn = F.mse_loss if batchnorm else F.cross_entropy
        expected = loop_grads(model, loss_fn, x, y)
        what = f"per_sample_grads({case} model, {loss_fn.__name__}, inputs (7, 5), targets)"
        got = kata.per_sample_grads(model, loss_fn, x, y)
        mistake = "sample i's gradient is that of loss_fn(model(x[i:i+1]), y[i:i+1]) alone."
        batch_mean = {n: g.mean(0, keepdim=True).expand_as(g) for n, g in expected.items()}
        if dicts_close(got, batch_mean):
            mistake = (
                "the batch's gradient repeated for every sample: take grad of ONE sample's "
                "loss and vmap it over the batch dimension."
            )
        elif dicts_close(got, {n: g / 7 for n, g in expected.items()}):
            mistake = (
                "each sample's gradient divided by the batch size (its loss as 1/B of a mean)."
            )
        check_dicts(got, expected, what, mistake=mistake)


@pytest.mark.task(1)
def test_the_model_is_called_once_for_the_batch(device):
    model = make_model(device, seed=2)
    x, y = make_batch(device, seed=12, n=8)
    calls = []
    handle = model.register_forward_hook(lambda module, args, output: calls.append(1))
    try:
        got = kata.per_sample_grads(model, F.cross_entropy, x, y)
    finally:
        handle.remove()
    if len(calls) != 1:
        raise AssertionError(
            f"per_sample_grads(model, cross_entropy, inputs (8, 5), targets (8,)) called the "
            f"model {len(calls)} times; expected once. Likely mistake: "
            + (
                "a Python loop over the samples (one forward and backward each): "
                "vmap(grad(sample_loss)) computes all of them in one call."
                if len(calls) >= 8
                else "an extra forward pass."
            )
        )
    check_dicts(got, loop_grads(model, F.cross_entropy, x, y), "per_sample_grads(...)")


@pytest.mark.task(1)
def test_frozen_parameters_are_left_out(device):
    model = make_model(device, seed=3)
    model[0].bias.requires_grad_(False)
    x, y = make_batch(device, seed=13)
    expected = loop_grads(model, F.cross_entropy, x, y)
    got = kata.per_sample_grads(model, F.cross_entropy, x, y)
    what = "per_sample_grads(model whose '0.bias' is frozen, cross_entropy, inputs (7, 5), y)"
    check_keys(got, expected, what)
    check_dicts(
        got,
        expected,
        what,
        mistake="the frozen parameter left out of the forward (it still takes part, only "
        "without a gradient), or gradients paired with the wrong names (a zip over all "
        "parameters while the gradients cover only those that require grad).",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("mode", ["eval", "train"])
def test_per_sample_grads_leave_the_model_alone(mode, device):
    model = make_model(device, seed=4, batchnorm=(mode == "eval"))
    model.train(mode == "train")
    if mode == "train":  # no batch norm: train mode changes nothing here but the flag
        model[0].weight.grad = torch.ones_like(model[0].weight)
    x, y = make_batch(device, seed=14)
    x.requires_grad_(True)
    x_before = x.detach().clone()
    before = model_state(model)
    what = f"per_sample_grads(model in {mode} mode, cross_entropy, inputs (7, 5), targets)"
    kata.per_sample_grads(model, F.cross_entropy, x, y)
    check_model_untouched(model, before, what)
    assert_tensor_close(x.detach(), x_before, what=f"inputs after {what}", rtol=0, atol=0)
    if x.grad is not None:
        raise AssertionError(
            f"{what}: inputs.grad is now set; expected it to stay None (the inputs must be "
            f"left alone). Likely mistake: loss.backward() on a loss of the caller's inputs; "
            f"torch.func.grad returns the gradients and writes no .grad."
        )


@pytest.mark.task(1)
def test_per_sample_grads_of_unusual_inputs(device):
    model = make_model(device, seed=5)
    x, y = make_batch(device, seed=15, n=6)
    cases = {
        "a batch of one": (x[:1].clone(), y[:1].clone()),
        "non-contiguous inputs (a transposed view)": (x.T.contiguous().T, y),
    }
    for label, (inputs, targets) in cases.items():
        what = f"per_sample_grads(model, cross_entropy, {label} {tuple(inputs.shape)}, targets)"
        got = kata.per_sample_grads(model, F.cross_entropy, inputs, targets)
        check_dicts(got, loop_grads(model, F.cross_entropy, inputs, targets), what)
    model32 = make_model(device, seed=5, dtype=torch.float32)
    x32 = x.float()
    got = kata.per_sample_grads(model32, F.cross_entropy, x32, y)
    check_dicts(
        got,
        loop_grads(model32, F.cross_entropy, x32, y),
        "per_sample_grads(float32 model, cross_entropy, float32 inputs (6, 5), targets)",
        rtol=1e-5,
        atol=1e-6,
    )


@pytest.mark.task(1)
def test_per_sample_grads_reject_bad_batches(device):
    model = make_model(device, seed=6)
    x, y = make_batch(device, seed=16)
    for label, (inputs, targets) in {
        "7 inputs but 6 targets": (x, y[:6]),
        "an empty batch": (x[:0], y[:0]),
    }.items():
        assert_raises(
            ValueError,
            kata.per_sample_grads,
            model,
            F.cross_entropy,
            inputs,
            targets,
            what=f"per_sample_grads(model, cross_entropy, ...) with {label}",
            mistake="no check that inputs and targets hold the same number (>= 1) of samples.",
        )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
def test_clip_per_sample_equals_a_loop(device):
    gen = torch.Generator().manual_seed(20)
    for max_norm in (1.0, 0.3, 2.5):
        grads = random_grads(gen, device, max_norm=max_norm)
        expected = loop_clip(grads, max_norm)
        what = f"clip_per_sample(grads of 3 tensors, B=6, max_norm={max_norm})"
        got = kata.clip_per_sample(grads, max_norm)
        per_tensor = {
            n: g * (max_norm / g.flatten(1).norm(dim=1)).clamp(max=1).view(-1, *[1] * (g.dim() - 1))
            for n, g in grads.items()
        }
        whole = sample_norms(grads).pow(2).sum().sqrt().item()
        batch = {n: g * min(1.0, max_norm / whole) for n, g in grads.items()}
        scaled_up = {
            n: g * (max_norm / sample_norms(grads)).to(g).view(-1, *[1] * (g.dim() - 1))
            for n, g in grads.items()
        }
        mistake = "factor_i = min(1, max_norm / norm_i), norm_i over all the tensors of sample i."
        if dicts_close(got, per_tensor):
            mistake = (
                "per-tensor norms: each tensor of a sample was clipped on its own, so the "
                "sample's total norm can reach max_norm * sqrt(number of tensors)."
            )
        elif dicts_close(got, batch):
            mistake = (
                "one norm for the whole batch: that is clipping the batch gradient instead "
                "of each sample's, which bounds no single sample's influence."
            )
        elif dicts_close(got, scaled_up):
            mistake = (
                "every sample scaled to norm max_norm: samples already within the bound were "
                "scaled up (the factor must be min(1, max_norm / norm))."
            )
        check_dicts(got, expected, what, mistake=mistake)


@pytest.mark.task(2)
def test_every_sample_is_within_the_bound_and_small_ones_are_unchanged(device):
    gen = torch.Generator().manual_seed(21)
    grads = random_grads(gen, device, B=8, max_norm=1.0)
    before = sample_norms(grads)
    got = kata.clip_per_sample(grads, 1.0)
    check_keys(got, grads, "clip_per_sample(grads, 1.0)")
    after = sample_norms(got)
    for i in range(8):
        what = f"clip_per_sample(grads, max_norm=1.0): sample {i} (norm {before[i]:.3g} before)"
        if after[i] > 1.0 + 1e-9:
            raise AssertionError(
                f"{what} has norm {after[i]:.4g} after clipping, above the bound 1.0 (over all "
                f"its parameters together). Likely mistake: per-tensor norms (each tensor "
                f"within the bound, the sample not), or one norm for the whole batch."
            )
        if before[i] <= 1.0:
            for name in grads:
                assert_tensor_close(
                    got[name][i],
                    grads[name][i],
                    what=f"{what}[{name!r}]",
                    rtol=0,
                    atol=0,
                    mistake="a sample within the bound was changed; min(1, max_norm / norm) "
                    "leaves it alone.",
                )
        elif abs(after[i] - 1.0) > 1e-9:
            raise AssertionError(
                f"{what}: had norm {before[i]:.4g} > 1.0 before clipping, so expected norm 1.0 "
                f"after, got {after[i]:.6g}. Likely mistake: a factor other than "
                f"max_norm / norm_i (an eps added to the norm, or another sample's norm)."
            )


@pytest.mark.task(2)
def test_a_zero_gradient_stays_zero(device):
    gen = torch.Generator().manual_seed(22)
    grads = random_grads(gen, device, B=4)
    for g in grads.values():
        g[2] = 0.0  # this sample's loss is flat: its gradient is exactly zero
    got = kata.clip_per_sample(grads, 1.0)
    check_keys(got, grads, "clip_per_sample(grads, 1.0)")
    nan = any(bool(torch.isnan(g).any()) for g in got.values())
    for name in grads:
        assert_tensor_close(
            got[name],
            loop_clip(grads, 1.0)[name],
            what=f"clip_per_sample(grads where sample 2 is all zeros, 1.0)[{name!r}]",
            rtol=1e-10,
            atol=1e-12,
            mistake="NaN from 0 / 0: g / norm * min(norm, max_norm) divides by a zero norm; "
            "a zero gradient has factor 1."
            if nan
            else "each sample i is scaled by min(1, max_norm / norm_i), one norm per sample.",
        )


@pytest.mark.task(2)
def test_clip_leaves_its_input_alone_and_returns_new_tensors(device):
    gen = torch.Generator().manual_seed(23)
    grads = random_grads(gen, device)
    saved = {n: g.clone() for n, g in grads.items()}
    got = kata.clip_per_sample(grads, 0.5)
    check_keys(got, grads, "clip_per_sample(grads, 0.5)")
    for name in grads:
        assert_tensor_close(
            grads[name],
            saved[name],
            what=f"grads[{name!r}] after clip_per_sample(grads, 0.5)",
            rtol=0,
            atol=0,
            mistake="the caller's gradients were scaled in place (mul_); return new tensors.",
        )
        if got[name].untyped_storage().data_ptr() == grads[name].untyped_storage().data_ptr():
            raise AssertionError(
                f"clip_per_sample(grads, 0.5)[{name!r}] shares memory with grads[{name!r}]; "
                f"expected a new tensor."
            )


@pytest.mark.task(2)
def test_clip_rejects_bad_arguments(device):
    gen = torch.Generator().manual_seed(24)
    grads = random_grads(gen, device)
    for max_norm in (0.0, -1.0):
        assert_raises(
            ValueError,
            kata.clip_per_sample,
            grads,
            max_norm,
            what=f"clip_per_sample(grads, max_norm={max_norm})",
            mistake="no check that max_norm > 0.",
        )
    uneven = dict(grads)
    uneven["b.weight"] = uneven["b.weight"][:5]
    for label, bad in {"entries with B = 6 and B = 5": uneven, "an empty dict": {}}.items():
        assert_raises(
            ValueError,
            kata.clip_per_sample,
            bad,
            1.0,
            what=f"clip_per_sample({label}, 1.0)",
            mistake="no check that grads is non-empty and that every entry has the same B.",
        )


# ----------------------------------------------------------------------------- task 3


def ref_dp(model, loss_fn, x, y, max_norm, sigma, seed):
    clipped = loop_clip(loop_grads(model, loss_fn, x, y), max_norm)
    noise = ref_noise(model, seed, max_norm, sigma)
    return {n: (g.sum(0) + noise[n]) / x.shape[0] for n, g in clipped.items()}


@pytest.mark.task(3)
def test_without_noise_it_is_the_mean_of_clipped_gradients(device):
    for trial in range(2):
        model = make_model(device, seed=30 + trial)
        x, y = make_batch(device, seed=40 + trial, n=8)
        per_sample = loop_grads(model, F.cross_entropy, x, y)
        max_norm = float(sample_norms(per_sample).median())  # about half the samples clip
        expected = ref_dp(model, F.cross_entropy, x, y, max_norm, 0.0, seed=0)
        what = (
            f"dp_sgd_gradient(model, cross_entropy, inputs (8, 5), targets, max_norm="
            f"{max_norm:.3g}, noise_multiplier=0.0, generator)"
        )
        got = kata.dp_sgd_gradient(
            model, F.cross_entropy, x, y, max_norm, 0.0, torch.Generator().manual_seed(0)
        )
        batch = {n: g.mean(0) for n, g in per_sample.items()}
        norm = sample_norms({n: g[None] for n, g in batch.items()}).item()
        batch_clipped = {n: g * min(1.0, max_norm / norm) for n, g in batch.items()}
        mistake = "sum the per-sample clipped gradients, then divide by B."
        if dicts_close(got, batch_clipped) or dicts_close(got, batch):
            mistake = (
                "clipping the batch gradient instead of each sample's: DP-SGD bounds every "
                "sample's contribution, so clip per sample (vmap), then sum."
            )
        elif dicts_close(got, {n: g.sum(0) for n, g in loop_clip(per_sample, max_norm).items()}):
            mistake = "the sum of the clipped gradients was not divided by the batch size B."
        check_dicts(got, expected, what, mistake=mistake)


@pytest.mark.task(3)
def test_seeded_noise_is_added_exactly_as_documented(device):
    for sigma, seed in ((1.3, 50), (0.7, 51)):
        model = make_model(device, seed=seed)
        x, y = make_batch(device, seed=seed + 10, n=6)
        expected = ref_dp(model, F.cross_entropy, x, y, 0.8, sigma, seed)
        what = (
            f"dp_sgd_gradient(model, cross_entropy, inputs (6, 5), targets, max_norm=0.8, "
            f"noise_multiplier={sigma}, generator=torch.Generator().manual_seed({seed}))"
        )
        got = kata.dp_sgd_gradient(
            model, F.cross_entropy, x, y, 0.8, sigma, torch.Generator().manual_seed(seed)
        )
        check_dicts(
            got,
            expected,
            what,
            mistake="(clipped sum + noise_multiplier * max_norm * noise) / B, the noise drawn "
            "with torch.randn(param.shape, generator=generator, dtype=param.dtype) on the "
            "CPU, one draw per parameter in named_parameters() order.",
        )


@pytest.mark.task(3)
def test_noise_has_the_documented_scale(device):
    """Over 4100 coordinates (two seeded draws), the noise in B * result - sum(clipped)
    has standard deviation noise_multiplier * max_norm within 5% and mean within 0.06 of it."""
    sigma, max_norm, B = 2.0, 0.5, 8
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(60)
        model = nn.Linear(40, 50).to(device, torch.float64)  # 2050 parameters
    residuals = []
    for seed in (61, 62):
        gen = torch.Generator().manual_seed(seed)
        x = torch.randn(B, 40, generator=gen, dtype=torch.float64).to(device)
        y = torch.randn(B, 50, generator=gen, dtype=torch.float64).to(device)
        clipped = loop_clip(loop_grads(model, F.mse_loss, x, y), max_norm)
        got = kata.dp_sgd_gradient(
            model, F.mse_loss, x, y, max_norm, sigma, torch.Generator().manual_seed(seed + 100)
        )
        check_keys(got, clipped, "dp_sgd_gradient(Linear(40, 50), mse_loss, ...)")
        for name, g in clipped.items():
            residuals.append((got[name].detach().double() * B - g.sum(0)).flatten().cpu())
    noise = torch.cat(residuals) / (sigma * max_norm)  # N(0, 1) when the scale is right
    ratio, mean = noise.std().item(), noise.mean().item()
    what = (
        f"dp_sgd_gradient(Linear(40, 50), mse_loss, B={B}, max_norm={max_norm}, "
        f"noise_multiplier={sigma}): the noise in B * result - sum(clipped) has standard "
        f"deviation {ratio:.3f} x (noise_multiplier * max_norm)"
    )
    if abs(ratio - 1.0) > 0.05 or abs(mean) > 0.06:
        candidates = {
            B**0.5: "noise added to every sample before summing (B draws add up to sqrt(B) "
            "times the noise); add it once, to the sum",
            float(B): "the noise added after dividing by B; add it to the sum, then divide",
            1 / max_norm: "noise of standard deviation noise_multiplier, without the factor "
            "max_norm (the noise must scale with the clip bound)",
            max_norm: "noise of standard deviation noise_multiplier * max_norm ** 2",
            0.0: "no noise at all",
        }
        likely = next(
            (why for r, why in candidates.items() if abs(ratio - r) <= 0.05 * max(r, 1.0)),
            "the noise is noise_multiplier * max_norm * N(0, 1), added once to the sum of "
            "the clipped gradients, then divided by B",
        )
        raise AssertionError(
            f"{what} (mean {mean:.3f}); expected 1.00 (within 0.05) and mean 0 (within "
            f"0.06). Likely mistake: {likely}."
        )


@pytest.mark.task(3)
def test_without_a_generator_the_noise_comes_from_torchs_global_one(device):
    model = make_model(device, seed=70)
    x, y = make_batch(device, seed=71, n=5)
    expected = ref_dp(model, F.cross_entropy, x, y, 1.0, 0.9, seed=72)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(72)
        got = kata.dp_sgd_gradient(model, F.cross_entropy, x, y, 1.0, 0.9)
    check_dicts(
        got,
        expected,
        "dp_sgd_gradient(model, cross_entropy, inputs (5, 5), targets, 1.0, 0.9, "
        "generator=None) after torch.manual_seed(72)",
        mistake="with generator None the noise comes from torch's global CPU generator (if "
        "the noise-free test fails too, fix the clipped sum first).",
    )


@pytest.mark.task(3)
def test_dp_sgd_leaves_the_model_alone_and_rejects_negative_noise(device):
    model = make_model(device, seed=73, batchnorm=True)
    x, y = make_batch(device, seed=74)
    before = model_state(model)
    what = "dp_sgd_gradient(model with batch norm in eval mode, cross_entropy, ..., 1.0, 1.0)"
    kata.dp_sgd_gradient(model, F.cross_entropy, x, y, 1.0, 1.0, torch.Generator().manual_seed(1))
    check_model_untouched(model, before, what)
    assert_raises(
        ValueError,
        kata.dp_sgd_gradient,
        model,
        F.cross_entropy,
        x,
        y,
        1.0,
        -0.5,
        torch.Generator().manual_seed(1),
        what="dp_sgd_gradient(..., max_norm=1.0, noise_multiplier=-0.5)",
        mistake="no check that noise_multiplier >= 0.",
    )


# ----------------------------------------------------------------------------- task 4


def make_clients(device, seed, counts=(10, 30, 60), dtype=torch.float64):
    """Clients of one architecture with batch norm, each with its own weights and statistics."""
    base = make_model(device, seed=seed, batchnorm=True, dtype=dtype)
    gen = torch.Generator().manual_seed(seed)
    clients = []
    for k in range(len(counts)):
        client = copy.deepcopy(base)
        with torch.no_grad():
            for p in client.parameters():
                p.add_(torch.randn(p.shape, generator=gen, dtype=p.dtype).to(device) * 0.5)
            client[1].running_mean.copy_(torch.randn(H, generator=gen, dtype=dtype))
            client[1].running_var.copy_(torch.rand(H, generator=gen, dtype=dtype) + 0.5)
            client[1].num_batches_tracked.fill_(5 + 7 * k)
        client.train(k % 2 == 0)  # some clients left in train mode, some in eval
        client[0].weight.grad = torch.ones_like(client[0].weight)
        clients.append(client)
    return clients


def hand_average(clients, counts):
    total = sum(counts)
    out = {}
    for key, value in clients[0].state_dict().items():
        if value.is_floating_point():
            acc = sum(
                (n / total) * c.state_dict()[key].double()
                for c, n in zip(clients, counts, strict=True)
            )
            out[key] = acc.to(value.dtype)
        else:
            out[key] = max(c.state_dict()[key] for c in clients)
    return out


@pytest.mark.task(4)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_fedavg_is_the_sample_weighted_average(dtype, device):
    counts = [10, 30, 60]
    clients = make_clients(device, seed=80, counts=counts, dtype=dtype)
    expected = hand_average(clients, counts)
    what = f"fedavg(3 clients with batch norm, {dtype}, num_samples={counts})"
    got = kata.fedavg(clients, counts)
    if not isinstance(got, dict) or list(got) != list(expected):
        keys = list(got) if isinstance(got, dict) else type(got).__name__
        raise AssertionError(
            f"{what} returned keys {keys}; expected every state_dict entry, buffers included, "
            f"in clients[0]'s order: {list(expected)}."
        )
    unweighted = hand_average(clients, [1, 1, 1])
    for key, value in expected.items():
        if not value.is_floating_point():
            continue
        mistake = "sum_k (n_k / sum n) * client_k's entry."
        if torch.allclose(got[key].double(), unweighted[key].double(), rtol=1e-5, atol=1e-6):
            mistake = (
                "unweighted FedAvg: a plain mean of the clients; weight each by "
                "num_samples[k] / sum(num_samples), so a client with more data counts more."
            )
        tol = {"rtol": 1e-10, "atol": 1e-12} if dtype == torch.float64 else {}
        assert_tensor_close(
            got[key],
            value,
            what=f"{what}[{key!r}]",
            mistake=mistake
            + (
                " Batch norm's running statistics are averaged like the weights."
                if "running" in key
                else ""
            ),
            **tol,
        )


@pytest.mark.task(4)
def test_integer_buffers_take_the_clients_maximum(device):
    clients = make_clients(device, seed=81)
    got = kata.fedavg(clients, [10, 30, 60])
    key = "1.num_batches_tracked"
    what = f"fedavg(3 clients, [10, 30, 60])[{key!r}], the clients holding 5, 12 and 19"
    if not isinstance(got, dict) or key not in got:
        raise AssertionError(f"{what}: missing; buffers belong in the averaged state dict too.")
    value = got[key]
    if value.dtype != torch.long:
        raise AssertionError(
            f"{what} has dtype {value.dtype}; expected torch.int64. Likely mistake: the integer "
            f"counter was averaged with float weights like a parameter; integer entries take "
            f"the clients' maximum, keeping their dtype."
        )
    assert_tensor_close(
        value,
        torch.tensor(19, device=device),
        what=what,
        mistake="integer entries are not averaged: the result holds their maximum over the "
        "clients.",
    )


@pytest.mark.task(4)
def test_fedavg_leaves_the_clients_alone(device):
    clients = make_clients(device, seed=82)
    before = [model_state(c) for c in clients]
    got = kata.fedavg(clients, [10, 30, 60])
    for k, (client, state) in enumerate(zip(clients, before, strict=True)):
        check_model_untouched(
            client,
            state,
            f"client {k} after fedavg(3 clients, [10, 30, 60])",
            changed="averaging into a client's state_dict() in place (its tensors are the "
            "model's own parameters and buffers): build new tensors.",
        )
    storages = {t.untyped_storage().data_ptr() for c in clients for t in c.state_dict().values()}
    shared = [k for k, t in got.items() if t.untyped_storage().data_ptr() in storages]
    if shared:
        raise AssertionError(
            f"fedavg(3 clients, [10, 30, 60]): the result's {shared} share memory with a "
            f"client's tensors. Likely mistake: averaging into a client's state_dict() (its "
            f"tensors are the model's own): build new tensors."
        )


@pytest.mark.task(4)
def test_fedavg_result_loads_into_a_global_model(device):
    clients = make_clients(device, seed=83)
    got = kata.fedavg(clients, [1, 2, 3])
    global_model = make_model(device, seed=99, batchnorm=True)
    try:
        global_model.load_state_dict(got)
    except (RuntimeError, KeyError, TypeError) as err:
        raise AssertionError(
            f"global_model.load_state_dict(fedavg(clients, [1, 2, 3])) failed: {err}. Likely "
            f"mistake: keys or shapes differ from the clients' state_dict()."
        ) from err
    expected = hand_average(clients, [1, 2, 3])
    for key, value in global_model.state_dict().items():
        assert_tensor_close(value, expected[key], what=f"global model's {key!r} after loading")


@pytest.mark.task(4)
def test_one_client_gives_a_copy_of_its_state(device):
    (client,) = make_clients(device, seed=84, counts=(7,))
    got = kata.fedavg([client], [7])
    for key, value in client.state_dict().items():
        assert_tensor_close(got[key], value, what=f"fedavg([client], [7])[{key!r}]", rtol=0, atol=0)


@pytest.mark.task(4)
@pytest.mark.parametrize("problem", ["no clients", "lengths differ", "zero count", "other keys"])
def test_fedavg_rejects_bad_arguments(problem, device):
    clients = make_clients(device, seed=85)
    counts = [10, 30, 60]
    if problem == "no clients":
        clients, counts = [], []
    elif problem == "lengths differ":
        counts = [10, 30]
    elif problem == "zero count":
        counts = [10, 0, 60]
    else:
        clients[2] = make_model(device, seed=85)  # no batch norm: other keys
    assert_raises(
        ValueError,
        kata.fedavg,
        clients,
        counts,
        what=f"fedavg(clients, num_samples) with {problem}",
        mistake="no check of the client list, the counts (one positive count per client), or "
        "that every client has the same state_dict keys.",
    )
