"""Tests for kata 69: an autoencoder's layers against the formula, its loss against a loop,
its training step against a reference step, and reconstruction of structured data."""

import copy
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

# (in_features, code_size, hidden): the code is always narrower than the input
CONFIGS = [(12, 3, 32), (8, 1, 5), (5, 4, 16), (20, 7, 9)]
# the behaviour test: data on a 3-d linear subspace of R^12, shifted away from [0, 1]
DATA_DIM, INTRINSIC_DIM, SAMPLES = 12, 3, 256
STEPS, LR = 300, 1e-2
BOUND = 0.01  # reconstruction MSE below 1% of the data's mean per-feature variance


# ----------------------------------------------------------------------------- helpers


def make_model(config, device, seed=0, dtype=torch.float32):
    """kata.Autoencoder(*config) with every parameter redrawn from a seeded generator."""
    model = kata.Autoencoder(*config)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
    return model.to(device=device, dtype=dtype)


def linears(model, config):
    """The four Linear layers the docstring names, or a message saying what is missing."""
    __tracebackhide__ = True
    in_features, code_size, hidden = config
    expected = [(in_features, hidden), (hidden, code_size), (code_size, hidden)]
    expected.append((hidden, in_features))
    found = []
    for part in ("encoder", "decoder"):
        seq = getattr(model, part, None)
        kinds = [type(m).__name__ for m in seq] if isinstance(seq, nn.Sequential) else None
        if kinds != ["Linear", "ReLU", "Linear"]:
            raise AssertionError(
                f"Autoencoder{config}.{part} is {kinds if kinds else type(seq).__name__}; the "
                f"docstring asks for nn.Sequential(Linear, ReLU, Linear) named self.{part}. "
                f"Likely mistake: an extra activation (a ReLU on the code, a sigmoid on the "
                f"output) or other names for the layers."
            )
        found += [seq[0], seq[2]]
    for layer, (n_in, n_out), name in zip(
        found, expected, ["encoder[0]", "encoder[2]", "decoder[0]", "decoder[2]"], strict=True
    ):
        if (layer.in_features, layer.out_features) != (n_in, n_out):
            raise AssertionError(
                f"Autoencoder{config}.{name} is Linear({layer.in_features}, "
                f"{layer.out_features}); expected Linear({n_in}, {n_out}). Likely mistake: "
                f"the code width is not code_size (a bottleneck as wide as the input lets "
                f"the model learn the identity)."
            )
    return found


def reference_forward(layers, x):
    """The documented layers as plain matrix formulas: (code, reconstruction)."""
    w = [(m.weight.detach(), m.bias.detach()) for m in layers]
    h = torch.clamp(x @ w[0][0].T + w[0][1], min=0)
    code = h @ w[1][0].T + w[1][1]
    h = torch.clamp(code @ w[2][0].T + w[2][1], min=0)
    return code, h @ w[3][0].T + w[3][1]


def output_mistake(got, expected) -> str:
    """Name the output activation that the evidence shows, if any."""
    got = got.detach()
    lo, hi = float(got.min()), float(got.max())
    if 0 <= lo and hi <= 1 and (float(expected.min()) < 0 or float(expected.max()) > 1):
        return (
            f"every value lies in [0, 1] (from {lo:.3g} to {hi:.3g}) although the answer "
            f"does not: a sigmoid on the output, which cannot reach data outside [0, 1]."
        )
    if -1 <= lo and hi <= 1 and float(expected.abs().max()) > 1:
        return "every value lies in [-1, 1]: a tanh on the output squashes the data."
    return "the layers are not applied as documented (order, activations, or skipped layers)."


def code_mistake(got, expected) -> str:
    got = got.detach()
    if float(got.min()) >= 0 and float(expected.min()) < 0:
        return (
            "the code has no negative entries: a ReLU after the encoder's last Linear "
            "(no activation on the code: it may be any real vector)."
        )
    return "the encoder's layers are not applied as documented."


def structured_data(seed, device):
    """SAMPLES points on a 3-d linear subspace of R^12, shifted: values far outside [0, 1]."""
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn(SAMPLES, INTRINSIC_DIM, generator=gen)
    mixing = torch.randn(INTRINSIC_DIM, DATA_DIM, generator=gen)
    offset = torch.empty(DATA_DIM).uniform_(-3, 3, generator=gen)
    return (z @ mixing + offset).to(device)


def check_float(value, what):
    __tracebackhide__ = True
    if type(value) is not float:
        raise AssertionError(
            f"{what} returned {type(value).__name__}; expected a Python float (loss.item()), "
            f"which holds no graph and no device memory."
        )


def record_grads_at_step(optimizer, params):
    """What optimizer.step() sees: the .grad of each parameter at each call."""
    seen = []

    def hook(opt, args, kwargs):
        seen.append([None if p.grad is None else p.grad.clone() for p in params])

    optimizer.register_step_pre_hook(hook)
    return seen


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "x".join(map(str, c)))
def test_code_has_the_requested_width(config, device):
    in_features, code_size, _ = config
    model = make_model(config, device)
    x = torch.randn(6, in_features, generator=torch.Generator().manual_seed(1)).to(device)
    what = f"Autoencoder{config}.encode(x) for x of shape (6, {in_features})"
    code = model.encode(x)
    if not isinstance(code, torch.Tensor) or tuple(code.shape) != (6, code_size):
        got = tuple(code.shape) if isinstance(code, torch.Tensor) else type(code).__name__
        width_wrong = isinstance(code, torch.Tensor) and code.dim() == 2 and len(code) == 6
        raise AssertionError(
            f"{what} returned {got}; expected the code of shape (6, {code_size}). Likely "
            + (
                "mistake: the code width is not code_size (a bottleneck as wide as the input "
                "lets the model learn the identity)."
                if width_wrong
                else "mistake: encode does not return the (batch, code_size) output of the "
                "encoder (a reshape, a reduction over the batch, or a tuple returned)."
            )
        )
    recon = model.decode(code)
    if tuple(recon.shape) != (6, in_features):
        raise AssertionError(
            f"Autoencoder{config}.decode(code) for a code of shape (6, {code_size}) returned "
            f"shape {tuple(recon.shape)}; expected (6, {in_features})."
        )
    linears(model, config)


@pytest.mark.task(1)
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "x".join(map(str, c)))
def test_encode_and_decode_follow_the_documented_layers(config, device):
    in_features, code_size, _ = config
    gen = torch.Generator().manual_seed(2)
    for trial in range(3):
        model = make_model(config, device, seed=trial, dtype=torch.float64)
        layers = linears(model, config)
        x = (torch.randn(7, in_features, generator=gen, dtype=torch.float64) * 3).to(device)
        code, recon = reference_forward(layers, x)
        got_code = model.encode(x)
        assert_tensor_close(
            got_code,
            code,
            what=f"Autoencoder{config}.encode(x) for x of shape (7, {in_features}), float64",
            mistake=code_mistake(got_code, code),
        )
        got = model.decode(code)
        assert_tensor_close(
            got,
            recon,
            what=f"Autoencoder{config}.decode(code) for a code of shape (7, {code_size}), float64",
            mistake=output_mistake(got, recon),
        )


@pytest.mark.task(1)
def test_forward_is_decode_of_encode(device):
    config = CONFIGS[0]
    model = make_model(config, device, seed=3, dtype=torch.float64)
    x = (torch.randn(9, 12, generator=torch.Generator().manual_seed(3), dtype=torch.float64)).to(
        device
    )
    out = model(x)
    what = "Autoencoder(12, 3, 32)(x) for x of shape (9, 12), float64"
    assert_tensor_close(
        out,
        model.decode(model.encode(x)),
        what=f"{what} against decode(encode(x))",
        mistake="forward does something other than decode(encode(x)) (a skip connection "
        "around the bottleneck, or the layers run again).",
    )
    _, recon = reference_forward(linears(model, config), x)
    assert_tensor_close(out, recon, what=what, mistake=output_mistake(out, recon))


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "config",
    [(12, 12, 32), (12, 20, 32), (12, 0, 32), (12, 3, 0)],
    ids=["code=input", "code>input", "code=0", "hidden=0"],
)
def test_no_bottleneck_raises_value_error(config):
    assert_raises(
        ValueError,
        kata.Autoencoder,
        *config,
        what=f"Autoencoder{config}",
        mistake="no size check: code_size must be in [1, in_features - 1] (a code as wide as "
        "the input is no bottleneck) and hidden at least 1.",
    )


@pytest.mark.task(1)
def test_unusual_inputs_and_the_callers_x(device):
    config = (8, 2, 6)
    model = make_model(config, device, seed=4, dtype=torch.float64)
    layers = linears(model, config)
    gen = torch.Generator().manual_seed(4)
    base = torch.randn(8, 5, generator=gen, dtype=torch.float64).to(device)
    cases = {
        "one sample, shape (1, 8)": base[:, :1].T.contiguous(),
        "a non-contiguous (5, 8) view (a transpose)": base.T,
        "x that requires grad": base.T.clone().requires_grad_(True),
    }
    for label, x in cases.items():
        before = x.detach().clone()
        out = model(x)
        _, recon = reference_forward(layers, x.detach())
        assert_tensor_close(
            out,
            recon,
            what=f"Autoencoder{config}(x) for {label}",
            mistake="the documented layers are not what runs (an extra activation, or "
            "a reshape that assumes a contiguous or larger batch).",
        )
        assert_tensor_close(
            x.detach(),
            before,
            what=f"x after Autoencoder{config}(x) for {label}",
            mistake="the model changed the caller's x (an in-place op on the input).",
        )
        if x.requires_grad:
            out.sum().backward()
            if x.grad is None or not torch.isfinite(x.grad).all():
                raise AssertionError(
                    f"Autoencoder{config}(x) for {label}: no gradient reached x. Likely "
                    f"mistake: a detach() or torch.no_grad() inside forward."
                )


# ----------------------------------------------------------------------------- task 2


def loop_mse(reconstruction, target):
    """The mean of the squared differences over every element, by a plain loop."""
    flat_r, flat_t = reconstruction.detach().cpu().flatten(), target.detach().cpu().flatten()
    total = 0.0
    for r, t in zip(flat_r.tolist(), flat_t.tolist(), strict=True):
        total += (r - t) ** 2
    return torch.tensor(total / max(flat_r.numel(), 1), dtype=torch.float64)


def reduction_mistake(got, expected, shape) -> str:
    ratio = float(got) / float(expected) if float(expected) else math.nan
    numel = math.prod(shape)
    if math.isclose(ratio, numel, rel_tol=1e-6):
        return "the squared errors were summed over every element instead of averaged."
    if math.isclose(ratio, shape[-1], rel_tol=1e-6):
        return (
            "the squared errors were summed over features, then averaged over the batch (a "
            "per-sample sum); the documented loss is the mean over every element."
        )
    if math.isclose(ratio, shape[0], rel_tol=1e-6):
        return "summed over the batch, averaged over features; average over every element."
    if math.isclose(ratio * ratio, 1.0 / float(expected), rel_tol=1e-6) or math.isclose(
        float(got) ** 2, float(expected), rel_tol=1e-6
    ):
        return "a root taken (RMSE); the loss is the mean squared error itself."
    return "not the mean of (reconstruction - target) ** 2 over every element."


@pytest.mark.task(2)
def test_loss_is_the_mean_over_every_element(device):
    gen = torch.Generator().manual_seed(20)
    for shape in [(4, 6), (1, 5), (7, 1), (3, 11)]:
        for _ in range(3):
            recon = (torch.randn(shape, generator=gen, dtype=torch.float64) * 2).to(device)
            target = torch.randn(shape, generator=gen, dtype=torch.float64).to(device)
            got = kata.reconstruction_loss(recon, target)
            expected = loop_mse(recon, target).to(device)
            what = f"reconstruction_loss(reconstruction, target) for shape {shape}, float64"
            if isinstance(got, torch.Tensor) and got.dim() != 0:
                raise AssertionError(
                    f"{what} returned shape {tuple(got.shape)}; expected a 0-d tensor. Likely "
                    f"mistake: reduction='none', or a mean over one dimension only."
                )
            mistake = (
                reduction_mistake(got, expected, shape) if isinstance(got, torch.Tensor) else ""
            )
            assert_tensor_close(got, expected, what=what, mistake=mistake, rtol=1e-12, atol=1e-12)


@pytest.mark.task(2)
def test_loss_carries_the_graph_and_has_the_mse_gradient(device):
    gen = torch.Generator().manual_seed(21)
    recon = torch.randn(5, 4, generator=gen, dtype=torch.float64).to(device).requires_grad_(True)
    target = torch.randn(5, 4, generator=gen, dtype=torch.float64).to(device)
    loss = kata.reconstruction_loss(recon, target)
    what = "reconstruction_loss(reconstruction, target).backward() for shape (5, 4)"
    if not isinstance(loss, torch.Tensor) or loss.grad_fn is None:
        raise AssertionError(
            f"{what}: the loss has no graph (got {type(loss).__name__}). Likely mistake: "
            f".item(), .detach() or torch.no_grad() inside the loss."
        )
    loss.backward()
    assert_tensor_close(
        recon.grad,
        2 * (recon.detach() - target) / recon.numel(),
        what=f"{what}: the gradient with respect to reconstruction",
        mistake="the gradient of the mean over every element is 2 (r - t) / numel: a "
        "different reduction gives a different scale.",
    )


@pytest.mark.task(2)
def test_loss_leaves_its_inputs_untouched(device):
    gen = torch.Generator().manual_seed(22)
    recon = torch.randn(3, 5, generator=gen).to(device)
    target = torch.randn(3, 5, generator=gen).to(device)
    copies = recon.clone(), target.clone()
    got = kata.reconstruction_loss(recon, target)
    assert_tensor_close(
        got, ((copies[0] - copies[1]) ** 2).mean(), what="reconstruction_loss for (3, 5), float32"
    )
    for name, t, c in (("reconstruction", recon, copies[0]), ("target", target, copies[1])):
        assert_tensor_close(
            t,
            c,
            what=f"{name} after reconstruction_loss(reconstruction, target)",
            mistake="the loss changed the caller's tensor (an in-place sub_ or pow_).",
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("target_shape", [(6, 1), (4,), (1, 4)], ids=str)
def test_mismatched_shapes_raise_value_error(target_shape, device):
    recon = torch.zeros(6, 4, device=device)
    target = torch.ones(target_shape, device=device)
    assert_raises(
        ValueError,
        kata.reconstruction_loss,
        recon,
        target,
        what=f"reconstruction_loss(reconstruction (6, 4), target {target_shape})",
        mistake="no shape check before subtracting: these shapes broadcast, so the loss "
        "silently compares every reconstruction with the wrong target values.",
    )


# ----------------------------------------------------------------------------- task 3


def reference_step(model, x, optimizer_class, **hyper):
    """Factory for a copy of model with its own optimizer, stepped by the textbook loop."""
    ref = copy.deepcopy(model)
    opt = optimizer_class(ref.parameters(), **hyper)

    def step():
        opt.zero_grad()
        loss = F.mse_loss(ref(x), x)
        loss.backward()
        opt.step()
        return loss.item()

    return ref, step


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "optimizer_class, hyper",
    [
        (torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
        (torch.optim.Adam, {"lr": 0.01}),
    ],
    ids=["sgd-momentum", "adam"],
)
def test_train_step_equals_a_reference_step(optimizer_class, hyper, device):
    config = (10, 3, 8)
    model = make_model(config, device, seed=30, dtype=torch.float64)
    x = (torch.randn(16, 10, generator=torch.Generator().manual_seed(30), dtype=torch.float64)).to(
        device
    )
    ref, ref_step = reference_step(model, x, optimizer_class, **hyper)
    optimizer = optimizer_class(model.parameters(), **hyper)
    for step in range(4):
        expected_loss = ref_step()
        got = kata.train_step(model, x, optimizer)
        what = (
            f"train_step(Autoencoder{config}, x (16, 10), {optimizer_class.__name__}), call "
            f"{step + 1} of 4, float64"
        )
        check_float(got, what)
        if not math.isclose(got, expected_loss, rel_tol=1e-10):
            raise AssertionError(
                f"{what} returned {got:.10g}; the reference step's loss is "
                f"{expected_loss:.10g}. Likely mistake: a loss other than "
                f"reconstruction_loss(model(x), x), or the loss after the update."
            )
        for (name, p), q in zip(model.named_parameters(), ref.parameters(), strict=True):
            assert_tensor_close(
                p,
                q,
                what=f"{what}: parameter {name} after the step",
                rtol=1e-10,
                atol=1e-12,
                mistake="the update differs from zero_grad, mse (mean) loss, backward, step: "
                "stale gradients kept from the previous call (no zero_grad), a loss with "
                "another reduction (sum), or step called more than once.",
            )


@pytest.mark.task(3)
def test_stale_gradients_do_not_leak_into_the_step(device):
    config = (10, 3, 8)
    model = make_model(config, device, seed=31, dtype=torch.float64)
    x = torch.randn(16, 10, generator=torch.Generator().manual_seed(31), dtype=torch.float64)
    x = x.to(device)
    ref = copy.deepcopy(model)
    F.mse_loss(ref(x), x).backward()
    fresh = [p.grad for p in ref.parameters()]
    params = list(model.parameters())
    gen = torch.Generator().manual_seed(32)
    for p in params:  # left over from an earlier batch
        p.grad = (torch.randn(p.shape, generator=gen, dtype=torch.float64) * 10).to(device)
    old = [p.grad.clone() for p in params]
    optimizer = torch.optim.SGD(params, lr=0.1)
    seen = record_grads_at_step(optimizer, params)
    what = f"train_step(Autoencoder{config}, x, SGD) on a model whose .grad held old gradients"
    kata.train_step(model, x, optimizer)
    if len(seen) != 1:
        raise AssertionError(
            f"{what}: optimizer.step() was called {len(seen)} times; expected exactly once."
        )
    for i, (g, e, o) in enumerate(zip(seen[0], fresh, old, strict=True)):
        if g is None:
            raise AssertionError(
                f"{what}: optimizer.step() saw .grad None for parameter {i}, so it updated "
                f"nothing. Likely mistake: zero_grad() between backward() and step(), or no "
                f"backward() on the loss before step()."
            )
        stale = g.shape == e.shape and torch.allclose(g, e + o)
        assert_tensor_close(
            g,
            e,
            what=f"{what}: .grad of parameter {i} seen by optimizer.step()",
            mistake="stale gradients were added to this batch's (the .grad seen is the old "
            "one plus this batch's): backward() accumulates into .grad, so call "
            "optimizer.zero_grad() before loss.backward()."
            if stale
            else "a gradient other than that of F.mse_loss(model(x), x) (mean over every "
            "element) reached step(): another loss, reduction or target, or stale gradients "
            "only partly cleared.",
        )


@pytest.mark.task(3)
def test_returns_the_loss_before_the_update_and_leaves_x_alone(device):
    config = (10, 3, 8)
    model = make_model(config, device, seed=33)
    x = torch.randn(16, 10, generator=torch.Generator().manual_seed(33)).to(device)
    before = x.clone()
    with torch.no_grad():
        expected = F.mse_loss(model(x), x).item()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    got = kata.train_step(model, x, optimizer)
    what = f"train_step(Autoencoder{config}, x (16, 10), SGD(lr=0.5))"
    check_float(got, what)
    if not math.isclose(got, expected, rel_tol=1e-5):
        raise AssertionError(
            f"{what} returned {got:.6g}; this batch's loss before the update is "
            f"{expected:.6g}. Likely mistake: the loss computed again after "
            f"optimizer.step(), or a reduction other than the mean."
        )
    assert_tensor_close(x, before, what=f"x after {what}", mistake="train_step changed x.")


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(3))
def test_training_reconstructs_structured_data(seed, device):
    """Data on a 3-d subspace: Adam for 300 full-batch steps brings the MSE under 1% of var."""
    x = structured_data(seed, device)
    variance = x.var(0, unbiased=False).mean().item()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = kata.Autoencoder(DATA_DIM, INTRINSIC_DIM).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=LR)
    first = kata.train_step(model, x, optimizer)
    for _ in range(STEPS - 1):
        last = kata.train_step(model, x, optimizer)
    with torch.no_grad():
        recon = model(x)
        final = F.mse_loss(recon, x).item()
    what = (
        f"{STEPS} train_step calls (Adam, lr={LR}) of Autoencoder({DATA_DIM}, "
        f"{INTRINSIC_DIM}) on {SAMPLES} points of a {INTRINSIC_DIM}-d subspace of "
        f"R^{DATA_DIM} (values from {x.min().item():.2f} to {x.max().item():.2f})"
    )
    if not final < BOUND * variance:
        lo, hi = recon.min().item(), recon.max().item()
        if 0 <= lo and hi <= 1:
            why = (
                f"every reconstruction lies in [0, 1] ({lo:.3g} to {hi:.3g}): a sigmoid on "
                f"the output cannot reach this data."
            )
        else:
            why = (
                "an activation on the code (a ReLU there cuts off every negative code "
                "value), gradients accumulated across steps (no zero_grad), a detached "
                "loss, or the layers wired otherwise than documented."
            )
        raise AssertionError(
            f"{what}: reconstruction MSE {final:.4g} (first step {first:.4g}, last reported "
            f"{last:.4g}); expected below {BOUND:.0%} of the data's variance, "
            f"{BOUND * variance:.4g}. Likely mistake: {why}"
        )
