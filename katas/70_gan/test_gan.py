"""Tests for kata 70: GAN losses against closed forms in float64, and each training step
against a reference step on copied models with the same noise."""

import copy
import math

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

Z, DATA = 4, 3  # noise width, data width
OPTIMIZERS = [
    pytest.param(torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}, id="sgd-momentum"),
    pytest.param(torch.optim.Adam, {"lr": 0.01, "betas": (0.5, 0.999)}, id="adam"),
]


# ----------------------------------------------------------------------------- references


def softplus(x: float) -> float:
    """log(1 + exp(x)), exact in float64 for any finite x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def mean_of(values) -> float:
    values = list(values)
    return sum(values) / len(values)


def ref_d_loss(real_logits, fake_logits) -> float:
    """mean(-log sigmoid(real)) + mean(-log(1 - sigmoid(fake))), by a loop over elements."""
    real = real_logits.detach().double().cpu().flatten().tolist()
    fake = fake_logits.detach().double().cpu().flatten().tolist()
    return mean_of(softplus(-r) for r in real) + mean_of(softplus(f) for f in fake)


def ref_g_loss(fake_logits) -> float:
    """mean(-log sigmoid(fake)), by a loop over elements."""
    return mean_of(softplus(-f) for f in fake_logits.detach().double().cpu().flatten().tolist())


def t_softplus(x):
    """softplus in tensor form for the reference steps (not the learner's formula)."""
    return torch.clamp(x, min=0) + torch.log1p(torch.exp(-x.abs()))


def d_loss_tensor(real_logits, fake_logits):
    return t_softplus(-real_logits).mean() + t_softplus(fake_logits).mean()


def g_loss_tensor(fake_logits):
    return t_softplus(-fake_logits).mean()


def loss_evidence(got: float, real, fake, which: str) -> str:
    """Name the wrong formula that the returned value matches, if one does."""
    r = real.detach().double().cpu().flatten().tolist() if real is not None else []
    f = fake.detach().double().cpu().flatten().tolist()
    sig = [1 / (1 + math.exp(-x)) for x in f]
    candidates = {}
    if which == "generator":
        candidates[
            "the saturating loss mean(log(1 - sigmoid(fake))) (the generator should "
            "minimise -log sigmoid(fake), BCE with label 1)"
        ] = mean_of(-softplus(x) for x in f)
        candidates["label 0 for the fakes (that is the discriminator's target)"] = mean_of(
            softplus(x) for x in f
        )
        candidates["a sigmoid before BCE-with-logits (the sigmoid applied twice)"] = mean_of(
            softplus(-s) for s in sig
        )
    else:
        candidates["the labels swapped (real must be 1, fake 0)"] = mean_of(
            softplus(x) for x in r
        ) + mean_of(softplus(-x) for x in f)
        candidates["one mean over real and fake together (each batch needs its own mean)"] = (
            sum(softplus(-x) for x in r) + sum(softplus(x) for x in f)
        ) / (len(r) + len(f))
        candidates["the two means averaged (the documented loss adds them)"] = 0.5 * (
            mean_of(softplus(-x) for x in r) + mean_of(softplus(x) for x in f)
        )
        candidates["a sigmoid before BCE-with-logits (the sigmoid applied twice)"] = mean_of(
            softplus(-1 / (1 + math.exp(-x))) for x in r
        ) + mean_of(softplus(s) for s in sig)
    for name, value in candidates.items():
        if math.isclose(got, value, rel_tol=1e-9, abs_tol=1e-12):
            return name + "."
    return "not the documented formula: BCE-with-logits on the raw logits, real = 1, fake = 0."


def extreme_evidence(got: float, expected: float) -> str:
    if not math.isfinite(got):
        return (
            "a log of a sigmoid (or of 1 - sigmoid) overflowed: use "
            "F.binary_cross_entropy_with_logits (or softplus) on the raw logits."
        )
    return (
        "BCE on sigmoid outputs: sigmoid rounds extreme logits to exactly 0 or 1 and "
        "F.binary_cross_entropy clamps each log at -100, so the loss is wrong there; use "
        "F.binary_cross_entropy_with_logits on the logits."
    )


# ----------------------------------------------------------------------------- models


def make_models(device, seed=0, dtype=torch.float64):
    """A small generator (Z -> DATA) and discriminator (DATA -> 1 logit), seeded."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        generator = nn.Sequential(nn.Linear(Z, 16), nn.ReLU(), nn.Linear(16, DATA))
        discriminator = nn.Sequential(nn.Linear(DATA, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1))
    return generator.to(device, dtype), discriminator.to(device, dtype)


def make_batch(device, seed, n_real=8, n_fake=6, dtype=torch.float64):
    gen = torch.Generator().manual_seed(seed)
    real = torch.randn(n_real, DATA, generator=gen, dtype=dtype) * 0.5 + 2.0
    noise = torch.randn(n_fake, Z, generator=gen, dtype=dtype)
    return real.to(device), noise.to(device)


def snapshot(model):
    """Values, requires_grad flags and .grad of every parameter (clones)."""
    return [
        (p.detach().clone(), p.requires_grad, None if p.grad is None else p.grad.clone())
        for p in model.parameters()
    ]


def record_steps(optimizer, params):
    """The .grad of `params` each time optimizer.step() is called."""
    seen = []
    optimizer.register_step_pre_hook(
        lambda opt, args, kwargs: seen.append(
            [None if p.grad is None else p.grad.clone() for p in params]
        )
    )
    return seen


def check_float(value, what):
    __tracebackhide__ = True
    if type(value) is not float:
        raise AssertionError(
            f"{what} returned {type(value).__name__}; expected a Python float (loss.item()), "
            f"which holds no graph and no device memory."
        )


def check_close_float(got, expected, what, mistake):
    __tracebackhide__ = True
    check_float(got, what)
    if not math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12):
        raise AssertionError(
            f"{what} returned {got:.10g}; the reference gives {expected:.10g}. "
            f"Likely mistake: {mistake}"
        )


def check_params_equal(model, ref, what, mistake):
    __tracebackhide__ = True
    for (name, p), q in zip(model.named_parameters(), ref.parameters(), strict=True):
        assert_tensor_close(
            p, q, what=f"{what}: parameter {name}", rtol=1e-10, atol=1e-12, mistake=mistake
        )


def check_untouched(model, before, what, mistake, grads=True):
    """Parameters, flags and (optionally) .grad exactly as in `before`."""
    __tracebackhide__ = True
    for i, (p, (value, flag, grad)) in enumerate(zip(model.parameters(), before, strict=True)):
        if p.requires_grad != flag:
            raise AssertionError(
                f"{what}: parameter {i} now has requires_grad={p.requires_grad}, before "
                f"{flag}. Likely mistake: freezing the other network with requires_grad_"
                f"(False) and not restoring it."
            )
        if not torch.equal(p.detach(), value):
            raise AssertionError(
                f"{what}: parameter {i} changed (largest change "
                f"{(p.detach() - value).abs().max().item():.3g}). Likely mistake: {mistake}"
            )
        if not grads:
            continue
        if grad is None and p.grad is not None:
            raise AssertionError(
                f"{what}: parameter {i} had .grad None and now has a gradient (norm "
                f"{p.grad.norm().item():.3g}). Likely mistake: {mistake}"
            )
        if grad is not None and (p.grad is None or not torch.equal(p.grad, grad)):
            raise AssertionError(f"{what}: the .grad of parameter {i} changed. Likely: {mistake}")


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_discriminator_loss_equals_the_formula(device):
    gen = torch.Generator().manual_seed(70)
    for n_real, n_fake, tail in [(8, 8, (1,)), (5, 9, ()), (1, 1, (1,)), (12, 3, (2,))]:
        for _ in range(3):
            real = (torch.randn((n_real, *tail), generator=gen, dtype=torch.float64) * 3).to(device)
            fake = (torch.randn((n_fake, *tail), generator=gen, dtype=torch.float64) * 3).to(device)
            before = real.clone(), fake.clone()
            what = (
                f"discriminator_loss(real_logits {tuple(real.shape)}, fake_logits "
                f"{tuple(fake.shape)}), float64"
            )
            got = kata.discriminator_loss(real, fake)
            expected = ref_d_loss(real, fake)
            mistake = (
                loss_evidence(float(got), real, fake, "discriminator")
                if isinstance(got, torch.Tensor) and got.numel() == 1
                else ""
            )
            assert_tensor_close(
                got,
                torch.tensor(expected, dtype=torch.float64, device=device),
                what=what,
                rtol=1e-12,
                atol=1e-12,
                mistake=mistake,
            )
            for name, t, b in (("real_logits", real, before[0]), ("fake_logits", fake, before[1])):
                assert_tensor_close(
                    t, b, what=f"{name} after {what}", mistake="the loss changed its input."
                )


@pytest.mark.task(1)
def test_generator_loss_is_the_non_saturating_formula(device):
    gen = torch.Generator().manual_seed(71)
    for shape in [(8, 1), (5,), (1, 1), (4, 2)]:
        for _ in range(3):
            fake = (torch.randn(shape, generator=gen, dtype=torch.float64) * 3).to(device)
            before = fake.clone()
            what = f"generator_loss(fake_logits {shape}), float64"
            got = kata.generator_loss(fake)
            mistake = (
                loss_evidence(float(got), None, fake, "generator")
                if isinstance(got, torch.Tensor) and got.numel() == 1
                else ""
            )
            assert_tensor_close(
                got,
                torch.tensor(ref_g_loss(fake), dtype=torch.float64, device=device),
                what=what,
                rtol=1e-12,
                atol=1e-12,
                mistake=mistake,
            )
            assert_tensor_close(
                fake, before, what=f"fake_logits after {what}", mistake="the loss changed it."
            )


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
def test_losses_are_exact_at_extreme_logits(dtype, device):
    """Logits of size 30 to 500: the answer is about |logit|, and finite."""
    real = torch.tensor([[-500.0], [-60.0], [30.0], [45.0]], dtype=dtype, device=device)
    fake = torch.tensor([[300.0], [40.0], [-35.0], [-200.0]], dtype=dtype, device=device)
    tol = {"rtol": 1e-12, "atol": 1e-12} if dtype == torch.float64 else {}
    checks = [
        (
            "discriminator_loss(real_logits, fake_logits)",
            lambda: kata.discriminator_loss(real, fake),
            ref_d_loss(real, fake),
        ),
        ("generator_loss(fake_logits)", lambda: kata.generator_loss(fake), ref_g_loss(fake)),
        ("generator_loss(real_logits)", lambda: kata.generator_loss(real), ref_g_loss(real)),
    ]
    for name, call, expected in checks:
        what = f"{name} with logits from -500 to 500 (shape (4, 1)), {dtype}"
        got = call()
        mistake = extreme_evidence(float(got), expected) if isinstance(got, torch.Tensor) else ""
        assert_tensor_close(
            got,
            torch.tensor(expected, dtype=dtype, device=device),
            what=what,
            mistake=mistake,
            **tol,
        )


@pytest.mark.task(1)
def test_loss_gradients_follow_the_formula(device):
    """d/dl of mean(softplus(-l)) is -(1 - sigmoid(l)) / B; of mean(softplus(l)), sigmoid(l) / B."""
    gen = torch.Generator().manual_seed(72)
    real = (torch.randn(6, 1, generator=gen, dtype=torch.float64) * 4).to(device)
    fake = (torch.randn(4, 1, generator=gen, dtype=torch.float64) * 4).to(device)
    real.requires_grad_(True)
    fake.requires_grad_(True)
    loss = kata.discriminator_loss(real, fake)
    what = "discriminator_loss(real_logits (6, 1), fake_logits (4, 1)).backward()"
    if not isinstance(loss, torch.Tensor) or loss.grad_fn is None:
        raise AssertionError(
            f"{what}: the loss has no graph. Likely mistake: .item(), .detach() or no_grad."
        )
    loss.backward()

    def grad_blame(got, label, n, rest):
        """Rebuild labels-swapped and mean-over-both-batches gradients; name a match."""
        s = torch.sigmoid((real if label else fake).detach())
        right = -(1 - s) if label else s
        swapped = s if label else -(1 - s)
        for value, why in (
            (
                swapped / n,
                f"labels swapped: the {'real' if label else 'fake'} samples must "
                f"carry label {label}.",
            ),
            (
                right / (n + rest),
                "one mean over both batches together: each batch needs its "
                "own mean (averaged over the real batch alone, and the fake batch alone).",
            ),
        ):
            if got.shape == value.shape and torch.allclose(got, value):
                return why
        return (
            f"{'real' if label else 'fake'} samples must carry label {label}, averaged "
            f"over the {'real' if label else 'fake'} batch alone."
        )

    assert_tensor_close(
        real.grad,
        -(1 - torch.sigmoid(real.detach())) / 6,
        what=f"{what}: the gradient with respect to real_logits",
        mistake=grad_blame(real.grad, 1, 6, 4) if real.grad is not None else "",
    )
    assert_tensor_close(
        fake.grad,
        torch.sigmoid(fake.detach()) / 4,
        what=f"{what}: the gradient with respect to fake_logits",
        mistake=grad_blame(fake.grad, 0, 4, 6) if fake.grad is not None else "",
    )
    fake.grad = None
    g = kata.generator_loss(fake)
    g.backward()
    saturating = -torch.sigmoid(fake.detach()) / 4
    got = fake.grad
    assert_tensor_close(
        got,
        -(1 - torch.sigmoid(fake.detach())) / 4,
        what="generator_loss(fake_logits (4, 1)).backward(): the gradient",
        mistake="a gradient other than -(1 - sigmoid(l)) / B, the non-saturating loss "
        "-log sigmoid(l) averaged over the batch (another reduction, or a sign)."
        if got is None or got.shape != saturating.shape or not torch.allclose(got, saturating)
        else "the saturating loss log(1 - sigmoid(l)) has gradient -sigmoid(l) / B, which "
        "vanishes exactly when the discriminator rejects the fakes; the non-saturating "
        "-log sigmoid(l) has -(1 - sigmoid(l)) / B.",
    )


# ----------------------------------------------------------------------------- task 2


def reference_d_step(generator, discriminator, d_opt, real, noise):
    d_opt.zero_grad()
    with torch.no_grad():
        fake = generator(noise)
    loss = d_loss_tensor(discriminator(real), discriminator(fake))
    loss.backward()
    d_opt.step()
    return loss.item()


def reference_g_step(generator, discriminator, g_opt, noise):
    g_opt.zero_grad()
    loss = g_loss_tensor(discriminator(generator(noise)))
    loss.backward()
    g_opt.step()
    return loss.item()


@pytest.mark.task(2)
@pytest.mark.parametrize("optimizer_class, hyper", OPTIMIZERS)
def test_discriminator_step_equals_a_reference_step(optimizer_class, hyper, device):
    generator, discriminator = make_models(device, seed=1)
    ref_g, ref_d = copy.deepcopy(generator), copy.deepcopy(discriminator)
    d_opt = optimizer_class(discriminator.parameters(), **hyper)
    ref_opt = optimizer_class(ref_d.parameters(), **hyper)
    for call in range(3):
        real, noise = make_batch(device, seed=10 + call)
        expected = reference_d_step(ref_g, ref_d, ref_opt, real, noise)
        what = (
            f"discriminator_step(G, D, {optimizer_class.__name__}, real (8, 3), noise (6, 4)), "
            f"call {call + 1} of 3, float64"
        )
        got = kata.discriminator_step(generator, discriminator, d_opt, real, noise)
        check_close_float(
            got,
            expected,
            what,
            "a loss other than discriminator_loss(D(real), D(G(noise))), or the loss "
            "after the update.",
        )
        check_params_equal(
            discriminator,
            ref_d,
            f"{what}: the discriminator after the step",
            "the update differs from zero_grad, loss, backward, one step: gradients "
            "left from the previous call (no zero_grad), labels swapped, or the wrong loss.",
        )


@pytest.mark.task(2)
def test_discriminator_step_leaves_the_generator_alone(device):
    generator, discriminator = make_models(device, seed=2)
    real, noise = make_batch(device, seed=20)
    before = snapshot(generator)
    d_opt = torch.optim.SGD(discriminator.parameters(), lr=0.1)
    kata.discriminator_step(generator, discriminator, d_opt, real, noise)
    check_untouched(
        generator,
        before,
        "discriminator_step(G, D, d_optimizer, real, noise) on a generator with .grad None",
        "the fake batch was not detached: backward() of the discriminator's loss ran into "
        "the generator and wrote its .grad (the next generator step then follows the "
        "discriminator's gradient). Use generator(noise).detach().",
    )


@pytest.mark.task(2)
def test_discriminator_step_clears_stale_gradients(device):
    generator, discriminator = make_models(device, seed=3)
    real, noise = make_batch(device, seed=30)
    ref_d = copy.deepcopy(discriminator)
    d_loss_tensor(ref_d(real), ref_d(generator(noise).detach())).backward()
    fresh = [p.grad for p in ref_d.parameters()]
    params = list(discriminator.parameters())
    gen = torch.Generator().manual_seed(31)
    for p in params:  # what a generator step's backward through D leaves behind
        p.grad = (torch.randn(p.shape, generator=gen, dtype=p.dtype) * 5).to(device)
    old = [p.grad.clone() for p in params]
    d_opt = torch.optim.SGD(params, lr=0.1)
    seen = record_steps(d_opt, params)
    what = "discriminator_step(...) on a discriminator whose .grad held a generator step's"
    kata.discriminator_step(generator, discriminator, d_opt, real, noise)
    if len(seen) != 1:
        raise AssertionError(f"{what}: d_optimizer.step() was called {len(seen)} times, not once.")
    for i, (g, e, o) in enumerate(zip(seen[0], fresh, old, strict=True)):
        if g is None:
            raise AssertionError(
                f"{what}: d_optimizer.step() saw .grad None for parameter {i}; expected the "
                f"discriminator loss's gradient. Likely mistake: zero_grad() between "
                f"backward() and step(), or no backward() before step()."
            )
        assert_tensor_close(
            g,
            e,
            what=f"{what}: .grad of D's parameter {i} seen by d_optimizer.step()",
            mistake="stale gradients: backward() adds into .grad (the .grad seen is the old one "
            "plus this batch's), and the generator step's backward passed through the "
            "discriminator; call d_optimizer.zero_grad() first."
            if g.shape == e.shape and torch.allclose(g, e + o)
            else "a gradient other than discriminator_loss(D(real), D(G(noise).detach()))'s: "
            "another loss or batch, or stale gradients only partly cleared.",
        )


@pytest.mark.task(2)
def test_discriminator_step_leaves_its_inputs_alone(device):
    generator, discriminator = make_models(device, seed=4, dtype=torch.float32)
    real, noise = make_batch(device, seed=40, dtype=torch.float32)
    copies = real.clone(), noise.clone()
    d_opt = torch.optim.SGD(discriminator.parameters(), lr=0.1)
    what = "discriminator_step(G, D, SGD, real (8, 3), noise (6, 4)), float32"
    with torch.no_grad():
        expected = d_loss_tensor(discriminator(real), discriminator(generator(noise))).item()
    got = kata.discriminator_step(generator, discriminator, d_opt, real, noise)
    check_float(got, what)
    if not math.isclose(got, expected, rel_tol=1e-5):
        raise AssertionError(
            f"{what} returned {got:.6g}; the loss before the update is {expected:.6g}."
        )
    assert_tensor_close(real, copies[0], what=f"real after {what}", mistake="real was changed.")
    assert_tensor_close(noise, copies[1], what=f"noise after {what}", mistake="noise changed.")


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("optimizer_class, hyper", OPTIMIZERS)
def test_generator_step_equals_a_reference_step(optimizer_class, hyper, device):
    generator, discriminator = make_models(device, seed=5)
    ref_g, ref_d = copy.deepcopy(generator), copy.deepcopy(discriminator)
    g_opt = optimizer_class(generator.parameters(), **hyper)
    ref_opt = optimizer_class(ref_g.parameters(), **hyper)
    for call in range(3):
        _, noise = make_batch(device, seed=50 + call)
        expected = reference_g_step(ref_g, ref_d, ref_opt, noise)
        what = (
            f"generator_step(G, D, {optimizer_class.__name__}, noise (6, 4)), call "
            f"{call + 1} of 3, float64"
        )
        got = kata.generator_step(generator, discriminator, g_opt, noise)
        check_close_float(
            got,
            expected,
            what,
            "a loss other than generator_loss(D(G(noise))) (the saturating loss, or label 0), "
            "or the loss after the update.",
        )
        check_params_equal(
            generator,
            ref_g,
            f"{what}: the generator after the step",
            "the update differs from zero_grad, loss, backward, one step: gradients left "
            "from the previous call (no zero_grad), or the wrong loss.",
        )


@pytest.mark.task(3)
def test_generator_step_changes_no_discriminator_parameter(device):
    generator, discriminator = make_models(device, seed=6)
    _, noise = make_batch(device, seed=60)
    before = snapshot(discriminator)
    g_opt = torch.optim.SGD(generator.parameters(), lr=0.1)
    kata.generator_step(generator, discriminator, g_opt, noise)
    check_untouched(
        discriminator,
        before,
        "generator_step(G, D, g_optimizer, noise)",
        "the discriminator was updated in the generator step (a d_optimizer step, or an "
        "optimizer over both networks' parameters).",
        grads=False,
    )


@pytest.mark.task(3)
def test_generator_step_clears_stale_gradients(device):
    generator, discriminator = make_models(device, seed=7)
    _, noise = make_batch(device, seed=70)
    ref_g = copy.deepcopy(generator)
    g_loss_tensor(discriminator(ref_g(noise))).backward()
    fresh = [p.grad for p in ref_g.parameters()]
    discriminator.zero_grad(set_to_none=True)
    params = list(generator.parameters())
    gen = torch.Generator().manual_seed(71)
    for p in params:  # what a discriminator step without detach leaves behind
        p.grad = (torch.randn(p.shape, generator=gen, dtype=p.dtype) * 5).to(device)
    old = [p.grad.clone() for p in params]
    g_opt = torch.optim.SGD(params, lr=0.1)
    seen = record_steps(g_opt, params)
    what = "generator_step(...) on a generator whose .grad held old gradients"
    kata.generator_step(generator, discriminator, g_opt, noise)
    if len(seen) != 1:
        raise AssertionError(f"{what}: g_optimizer.step() was called {len(seen)} times, not once.")
    for i, (g, e, o) in enumerate(zip(seen[0], fresh, old, strict=True)):
        if g is None:
            raise AssertionError(
                f"{what}: g_optimizer.step() saw .grad None for parameter {i}; expected the "
                f"generator loss's gradient. Likely mistake: zero_grad() between backward() "
                f"and step(), or no backward() before step()."
            )
        assert_tensor_close(
            g,
            e,
            what=f"{what}: .grad of G's parameter {i} seen by g_optimizer.step()",
            mistake="stale gradients: backward() adds into .grad (the .grad seen is the old one "
            "plus this batch's); call g_optimizer.zero_grad() before the generator's backward."
            if g.shape == e.shape and torch.allclose(g, e + o)
            else "a gradient other than generator_loss(D(G(noise)))'s: another loss or "
            "batch, or stale gradients only partly cleared.",
        )


@pytest.mark.task(3)
def test_generator_step_returns_the_loss_and_leaves_noise_alone(device):
    generator, discriminator = make_models(device, seed=8, dtype=torch.float32)
    _, noise = make_batch(device, seed=80, dtype=torch.float32)
    copy_of_noise = noise.clone()
    with torch.no_grad():
        expected = g_loss_tensor(discriminator(generator(noise))).item()
    g_opt = torch.optim.SGD(generator.parameters(), lr=0.1)
    what = "generator_step(G, D, SGD, noise (6, 4)), float32"
    got = kata.generator_step(generator, discriminator, g_opt, noise)
    check_float(got, what)
    if not math.isclose(got, expected, rel_tol=1e-5):
        raise AssertionError(
            f"{what} returned {got:.6g}; the loss before the update is {expected:.6g}."
        )
    assert_tensor_close(noise, copy_of_noise, what=f"noise after {what}", mistake="noise changed.")


# ----------------------------------------------------------------------------- task 4


@pytest.mark.task(4)
@pytest.mark.parametrize("optimizer_class, hyper", OPTIMIZERS)
def test_train_step_equals_the_two_reference_steps(optimizer_class, hyper, device):
    generator, discriminator = make_models(device, seed=9)
    ref_g, ref_d = copy.deepcopy(generator), copy.deepcopy(discriminator)
    g_opt = optimizer_class(generator.parameters(), **hyper)
    d_opt = optimizer_class(discriminator.parameters(), **hyper)
    ref_g_opt = optimizer_class(ref_g.parameters(), **hyper)
    ref_d_opt = optimizer_class(ref_d.parameters(), **hyper)
    g_seen = record_steps(g_opt, list(generator.parameters()))
    d_seen = record_steps(d_opt, list(discriminator.parameters()))
    order: list[str] = []
    d_opt.register_step_pre_hook(lambda opt, args, kwargs: order.append("d_optimizer"))
    g_opt.register_step_pre_hook(lambda opt, args, kwargs: order.append("g_optimizer"))
    for call in range(3):
        real, noise = make_batch(device, seed=90 + call)
        ref_d_opt.zero_grad()
        fake = ref_g(noise).detach()
        d_loss = d_loss_tensor(ref_d(real), ref_d(fake))
        d_loss.backward()
        d_grads = [p.grad.clone() for p in ref_d.parameters()]
        ref_d_opt.step()
        expected_g = reference_g_step(ref_g, ref_d, ref_g_opt, noise)
        g_grads = [p.grad.clone() for p in ref_g.parameters()]
        what = (
            f"train_step(G, D, g_opt, d_opt ({optimizer_class.__name__}), real (8, 3), noise "
            f"(6, 4)), call {call + 1} of 3, float64"
        )
        got = kata.train_step(generator, discriminator, g_opt, d_opt, real, noise)
        if not isinstance(got, tuple) or len(got) != 2:
            raise AssertionError(f"{what} returned {got!r}; expected (d_loss, g_loss).")
        if len(d_seen) != call + 1 or len(g_seen) != call + 1:
            raise AssertionError(
                f"{what}: d_optimizer.step() ran {len(d_seen) - call} time(s) and "
                f"g_optimizer.step() {len(g_seen) - call} time(s) in this call; expected once "
                f"each."
            )
        if order[-2:] != ["d_optimizer", "g_optimizer"]:
            raise AssertionError(
                f"{what}: the optimizers stepped in the order {order[-2:]}; the steps ran in "
                f"the wrong order: the discriminator steps first, then the generator answers "
                f"the updated discriminator."
            )
        for i, (g, e) in enumerate(zip(d_seen[-1], d_grads, strict=True)):
            assert_tensor_close(
                g,
                e,
                what=f"{what}: .grad of D's parameter {i} seen by d_optimizer.step()",
                mistake="the discriminator stepped on gradients other than those of "
                "discriminator_loss alone: the generator loss's gradients added in (one "
                "backward of d_loss + g_loss for both optimizers), or gradients left from "
                "the previous call (no zero_grad).",
            )
        for i, (g, e) in enumerate(zip(g_seen[-1], g_grads, strict=True)):
            assert_tensor_close(
                g,
                e,
                what=f"{what}: .grad of G's parameter {i} seen by g_optimizer.step()",
                mistake="the generator stepped on gradients other than those of "
                "generator_loss(D(G(noise))) with the discriminator as just updated: the "
                "discriminator loss's gradients added in (no detach, or one backward for "
                "both), or gradients left from the previous call (no zero_grad).",
            )
        check_close_float(got[0], d_loss.item(), f"{what}: d_loss", "not the D step's loss.")
        check_close_float(got[1], expected_g, f"{what}: g_loss", "not the G step's loss.")
        check_params_equal(discriminator, ref_d, f"{what}: D after the call", "wrong D update.")
        check_params_equal(generator, ref_g, f"{what}: G after the call", "wrong G update.")
