"""Tests for kata 23: a CNN's train and eval behaviour, checked against a reference forward
pass written with torch.nn.functional and the model's own weights."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_tensor_close, load_kata

kata = load_kata(__file__)

ORDER = (
    "Conv2d (no bias), BatchNorm2d, ReLU, MaxPool2d(2), Conv2d (no bias), BatchNorm2d, ReLU, "
    "mean over (H, W), Dropout, Linear"
)


def build(in_channels, num_classes, p, device, seed=0):
    __tracebackhide__ = True
    torch.manual_seed(seed)
    model = kata.SmallCNN(in_channels, num_classes, p)
    if not isinstance(model, nn.Module):
        raise AssertionError(f"SmallCNN(...) is a {type(model).__name__}, not an nn.Module.")
    return model.to(device=device, dtype=torch.float64)


def layers(model):
    """The model's layers by type, in registration order; fails if counts are off."""
    __tracebackhide__ = True
    found = {
        kind: [m for m in model.modules() if isinstance(m, kind)]
        for kind in (nn.Conv2d, nn.BatchNorm2d, nn.Dropout, nn.Linear)
    }
    want = {nn.Conv2d: 2, nn.BatchNorm2d: 2, nn.Dropout: 1, nn.Linear: 1}
    for kind, n in want.items():
        if len(found[kind]) != n:
            raise AssertionError(
                f"SmallCNN should hold {n} registered {kind.__name__} layer(s), found "
                f"{len(found[kind])}. Expected layers: {ORDER}. Likely mistake: a layer missing, "
                f"or kept in a plain list (not registered)."
            )
    return found


def random_input(seed, device, batch=6, channels=3):
    gen = torch.Generator().manual_seed(seed)
    h, w = torch.randint(2, 10, (2,), generator=gen).tolist()
    x = torch.randn(batch, channels, h, w, generator=gen, dtype=torch.float64) * 2 + 0.5
    return x.to(device)


def reference(model, x, *, training):
    """Forward pass with F.* and the model's weights, Dropout off: (logits, stats).

    training=True: batch statistics, and running statistics updated on copies (returned).
    training=False: the model's running statistics.
    """
    out, stats, _ = forward_with_pooled(model, x, training=training)
    return out, stats


def forward_with_pooled(model, x, *, training):
    """As reference, also returning the pooled (B, 32) features the Dropout gets."""
    found = layers(model)
    (c1, c2), (b1, b2), (lin,) = found[nn.Conv2d], found[nn.BatchNorm2d], found[nn.Linear]
    stats = []

    def bn(h, b):
        mean, var = b.running_mean, b.running_var
        if training:
            mean, var = mean.clone(), var.clone()
            stats.append((mean, var))
        return F.batch_norm(
            h, mean, var, b.weight, b.bias, training=training, momentum=b.momentum, eps=b.eps
        )

    with torch.no_grad():
        h = F.max_pool2d(F.relu(bn(F.conv2d(x, c1.weight, padding=1), b1)), 2)
        h = F.relu(bn(F.conv2d(h, c2.weight, padding=1), b2))
        pooled = h.mean(dim=(2, 3))  # (B, 32): what Dropout, then the Linear, get
        out = F.linear(pooled, lin.weight, lin.bias)
    return out, stats, pooled


def running_stats(model):
    return [
        (m.running_mean.clone(), m.running_var.clone())
        for m in model.modules()
        if isinstance(m, nn.BatchNorm2d)
    ]


def warm_up(model, device, channels=3, steps=3):
    """A few training-mode forwards, so running statistics are not their initial 0 and 1."""
    model.train()
    with torch.no_grad():
        for s in range(steps):
            model(random_input(500 + s, device, channels=channels))


def check_stats_unchanged(before, model, what, mistake):
    __tracebackhide__ = True
    for i, ((m0, v0), (m1, v1)) in enumerate(zip(before, running_stats(model), strict=True)):
        if not (torch.equal(m0, m1) and torch.equal(v0, v1)):
            raise AssertionError(
                f"{what}: the running statistics of BatchNorm layer {i} changed "
                f"(running_mean moved by up to {(m1 - m0).abs().max().item():.3g}). "
                f"Likely mistake: {mistake}"
            )


def modes(model):
    return {name or "(model)": m.training for name, m in model.named_modules()}


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_output_shape(seed, device):
    gen = torch.Generator().manual_seed(seed)
    c, k = torch.randint(1, 5, (2,), generator=gen).tolist()
    model = build(c, k + 1, 0.5, device, seed)
    for batch in (1, 2, 5):
        x = random_input(seed, device, batch=batch, channels=c)
        model.train(batch > 1)  # one sample: eval mode, as at test time
        out = model(x)
        if not isinstance(out, torch.Tensor) or out.shape != (batch, k + 1):
            got = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            hint = (
                " Likely mistake: squeeze() without a dim, which drops a batch of one too: "
                "use h.mean(dim=(2, 3)) or flatten(1)."
                if batch == 1 and isinstance(out, torch.Tensor) and out.shape == (k + 1,)
                else ""
            )
            raise AssertionError(
                f"SmallCNN({c}, {k + 1})(x) for x of shape {tuple(x.shape)} returned {got}, "
                f"expected ({batch}, {k + 1}). Layers: {ORDER}.{hint}"
            )


@pytest.mark.task(1)
def test_dropout_probability_defaults_to_half(device):
    torch.manual_seed(0)
    model = kata.SmallCNN(3, 4)
    (drop,) = layers(model)[nn.Dropout]
    if drop.p != 0.5:
        raise AssertionError(
            f"SmallCNN(3, 4), without p, has Dropout(p={drop.p}), expected the default p=0.5. "
            f"Likely mistake: a different default in __init__'s signature, or nn.Dropout() "
            f"built with a constant instead of p."
        )


@pytest.mark.task(1)
def test_batchnorm_layers_keep_their_defaults(device):
    model = build(3, 4, 0.5, device)
    for i, bn in enumerate(layers(model)[nn.BatchNorm2d]):
        got = (bn.momentum, bn.eps, bn.affine, bn.track_running_stats)
        if got != (0.1, 1e-5, True, True):
            raise AssertionError(
                f"BatchNorm2d layer {i} of SmallCNN(3, 4) has momentum={bn.momentum}, "
                f"eps={bn.eps}, affine={bn.affine}, track_running_stats="
                f"{bn.track_running_stats}; the docstring asks for BatchNorm2d(C) with its "
                f"defaults (momentum=0.1, eps=1e-05, affine=True, track_running_stats=True). "
                + (
                    "Likely mistake: momentum in the Keras/TensorFlow sense (0.9, 0.99: the "
                    "weight of the old statistics); PyTorch's momentum is the weight of the "
                    "new batch, 0.1 by default."
                    if bn.momentum is not None and bn.momentum > 0.5
                    else "Likely mistake: a non-default argument passed to nn.BatchNorm2d."
                )
            )


@pytest.mark.task(1)
def test_layers_registered_without_conv_bias(device):
    model = build(3, 4, 0.3, device)
    found = layers(model)
    for i, conv in enumerate(found[nn.Conv2d]):
        if conv.bias is not None:
            raise AssertionError(
                f"Conv2d layer {i} has a bias. Likely mistake: bias=True before BatchNorm, whose "
                f"own shift (beta) makes a conv bias redundant: pass bias=False."
            )
    (drop,) = found[nn.Dropout]
    if drop.p != 0.3:
        raise AssertionError(f"SmallCNN(3, 4, p=0.3) has Dropout(p={drop.p}), expected 0.3.")
    n = sum(p.numel() for p in model.parameters())
    expected = 3 * 16 * 9 + 2 * 16 + 16 * 32 * 9 + 2 * 32 + 32 * 4 + 4
    if n != expected:
        raise AssertionError(f"SmallCNN(3, 4) has {n} parameters, expected {expected} ({ORDER}).")


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_train_mode_uses_batch_statistics_and_updates_running_ones(seed, device):
    model = build(3, 5, 0.0, device, seed)  # p=0: dropout does nothing, train output is exact
    model.train()
    x = random_input(seed, device)
    expected, stats = reference(model, x, training=True)
    got = model(x)
    assert_tensor_close(
        got,
        expected,
        what=f"SmallCNN(3, 5, p=0.0) in train mode on x of shape {tuple(x.shape)}",
        mistake=f"layers in the wrong order (expected {ORDER}), max pooling after the "
        f"second block instead of the first, a max (or a sum) over (H, W) instead of the "
        f"mean, or BatchNorm normalizing with its running statistics in train mode.",
    )
    for i, ((m, v), (rm, rv)) in enumerate(zip(running_stats(model), stats, strict=True)):
        assert_tensor_close(m, rm, what=f"BatchNorm {i} running_mean after one train forward")
        assert_tensor_close(v, rv, what=f"BatchNorm {i} running_var after one train forward")


@pytest.mark.task(1)
def test_dropout_is_active_in_train_mode_only(device):
    model = build(3, 5, 0.5, device)
    x = random_input(7, device)
    model.train()
    a, b = model(x), model(x)
    if torch.equal(a, b):
        raise AssertionError(
            "SmallCNN(3, 5, p=0.5) in train mode gave the same logits twice for the same x: "
            "dropout is not active. Likely mistake: the nn.Dropout not called in forward, "
            "or F.dropout(h, p) called with training=False."
        )
    model.eval()
    a, b = model(x), model(x)
    assert_tensor_close(
        a,
        b,
        what="SmallCNN in eval mode, called twice on the same x",
        rtol=0,
        atol=0,
        mistake="dropout still active in eval mode: F.dropout(h, p), whose training "
        "argument defaults to True, or training=True hard-coded; call the nn.Dropout layer, "
        "or pass training=self.training.",
    )


DROPOUT_PLACE = (
    "Dropout sits between the mean over (H, W) and the Linear, on the pooled (B, 32) "
    "features: not on the feature maps before the mean (nor as Dropout2d), not after the "
    "Linear on the logits."
)


@pytest.mark.task(1)
@pytest.mark.parametrize("p", [0.5, 0.3])
def test_dropout_sits_before_the_linear_in_train_mode(p, device):
    model = build(3, 5, p, device, seed=4)
    (lin,) = layers(model)[nn.Linear]
    model.train()
    x = random_input(8, device)
    _, _, pooled = forward_with_pooled(model, x, training=True)  # batch statistics, no dropout
    seen = []
    handle = lin.register_forward_pre_hook(lambda _m, args: seen.append(args[0].detach()))
    try:
        out = model(x)
    finally:
        handle.remove()
    what = f"SmallCNN(3, 5, p={p}) in train mode on x of shape {tuple(x.shape)}"
    if len(seen) != 1:
        raise AssertionError(
            f"{what}: the registered Linear ran {len(seen)} times as a module, expected once. "
            f"Call the nn.Linear layer itself (self.classifier(h)), not F.linear on its weight."
        )
    (given,) = seen
    if given.shape != pooled.shape:
        raise AssertionError(
            f"{what}: the Linear got an input of shape {tuple(given.shape)}, expected the "
            f"pooled features {tuple(pooled.shape)}. Expected layers: {ORDER}."
        )
    dropped = given == 0
    scaled = torch.where(dropped, torch.zeros_like(pooled), pooled / (1 - p))
    if not bool(dropped.any()) or not torch.allclose(given, scaled):
        undropped = torch.allclose(given, pooled)
        raise AssertionError(
            f"{what}: the Linear's input should be the pooled features with dropout applied, "
            f"each entry 0 or h / (1 - p) = h * {1 / (1 - p):.3g}; got "
            + (
                "the pooled features unchanged (nothing dropped before the Linear). "
                if undropped
                else f"{int(dropped.sum())} zeros of {dropped.numel()} and other entries that "
                f"are neither 0 nor h / (1 - p). "
            )
            + f"Likely mistake: {DROPOUT_PLACE}"
        )
    assert_tensor_close(
        out,
        F.linear(given, lin.weight, lin.bias).detach(),
        what=f"{what}: the logits against Linear(the Linear's own input)",
        mistake=f"something runs after the Linear (a Dropout on the logits?). {DROPOUT_PLACE}",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_eval_mode_uses_running_statistics(seed, device):
    model = build(2, 3, 0.5, device, seed)
    warm_up(model, device, channels=2)
    model.eval()
    before = running_stats(model)
    x = random_input(seed, device, batch=1, channels=2)  # batch 1: fine in eval mode
    got = model(x)
    expected, _ = reference(model, x, training=False)
    assert_tensor_close(
        got,
        expected,
        what=f"SmallCNN in eval mode on x of shape {tuple(x.shape)}",
        mistake=f"batch statistics used in eval (F.batch_norm with training=True), or layers "
        f"in the wrong order (expected {ORDER}).",
    )
    check_stats_unchanged(before, model, "SmallCNN in eval mode", "training=True in eval mode.")


# ----------------------------------------------------------------------------- task 2

NOT_EVAL = (
    "the model was not switched to eval mode (model.eval()): torch.no_grad() alone leaves "
    "dropout active and BatchNorm on batch statistics."
)


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_predict_matches_eval_reference(seed, device):
    model = build(3, 4, 0.5, device, seed)
    warm_up(model, device)
    model.train()
    x = random_input(seed, device)
    expected, _ = reference(model, x, training=False)
    before = running_stats(model)
    got = kata.predict(model, x)
    # running statistics that moved pin BatchNorm in train mode; check that before the values
    check_stats_unchanged(before, model, "predict(model, x)", NOT_EVAL)
    what = "predict(model, x) for a model in train mode"
    if (
        isinstance(got, torch.Tensor)
        and got.shape == expected.shape
        and torch.allclose(got.double(), expected.softmax(-1))
    ):
        raise AssertionError(
            f"{what} returned softmax(logits), probabilities. Likely mistake: predict returns "
            f"the logits model(x) themselves; a softmax (or an argmax) is the caller's choice."
        )
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake=f"{NOT_EVAL} Or (the running statistics did not move) only some layers "
        f"switched to eval, or something other than the logits model(x) returned.",
    )
    again = kata.predict(model, x)
    assert_tensor_close(
        again, got, what="predict(model, x) called twice", rtol=0, atol=0, mistake=NOT_EVAL
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("x_requires_grad", [False, True], ids=["x", "x-requires-grad"])
def test_predict_returns_no_graph(x_requires_grad, device):
    model = build(3, 4, 0.5, device)
    x = random_input(1, device).requires_grad_(x_requires_grad)
    out = kata.predict(model, x)
    if not isinstance(out, torch.Tensor) or out.requires_grad or out.grad_fn is not None:
        raise AssertionError(
            f"predict(model, x) for an x with requires_grad={x_requires_grad} returned a tensor "
            f"attached to an autograd graph. Likely mistake: no torch.no_grad() (or "
            f"torch.inference_mode()) around the forward pass"
            + (
                "; turning off the parameters' requires_grad does not stop a graph from an x "
                "that requires grad."
                if x_requires_grad
                else "."
            )
        )


def grad_flags(model):
    return {name: p.requires_grad for name, p in model.named_parameters()}


@pytest.mark.task(2)
def test_predict_leaves_requires_grad_as_it_was(device):
    model = build(3, 4, 0.5, device)
    model.features[0].weight.requires_grad_(False)  # one frozen layer, the rest trainable
    before = grad_flags(model)
    kata.predict(model, random_input(4, device))
    after = grad_flags(model)
    if after != before:
        changed = sorted(k for k in before if before[k] != after[k])
        raise AssertionError(
            f"predict(model, x) changed requires_grad of {changed}. Likely mistake: "
            f"model.requires_grad_(False) to avoid the graph: the next training step then "
            f"trains nothing. torch.no_grad() stops the graph without touching the model."
        )


class Exploding(nn.Module):
    """A model whose forward raises, after it has been switched to eval mode."""

    def __init__(self):
        super().__init__()
        self.drop = nn.Dropout(0.5)
        self.norm = nn.BatchNorm1d(3)

    def forward(self, x):
        raise RuntimeError("the forward pass failed (on purpose, in the test)")


@pytest.mark.task(2)
def test_predict_restores_the_mode_when_the_forward_raises(device):
    model = Exploding().to(device).train()
    try:
        kata.predict(model, torch.zeros(2, 3, device=device))
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "on purpose" not in str(err):
            raise
    else:
        raise AssertionError("predict(model, x) returned although model(x) raised RuntimeError.")
    awake = modes(model)
    if not all(awake.values()):
        asleep = sorted(k for k, v in awake.items() if not v)
        # a second check: does predict restore the mode when the forward pass succeeds?
        plain = build(3, 4, 0.5, device).train()
        kata.predict(plain, random_input(2, device))
        why = (
            "the modes are restored after the forward pass but not in a finally block: use "
            "try/finally, so an error (a bad batch, an interrupt) cannot leave the model in "
            "eval mode."
            if all(modes(plain).values())
            else "the modes are never restored (not even when the forward pass succeeds): "
            "remember each submodule's .training and restore it in a finally block."
        )
        raise AssertionError(
            f"predict(model, x) for a training model whose forward raised left {asleep} in eval "
            f"mode. Likely mistake: {why}"
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("training", [True, False])
def test_predict_restores_the_models_mode(training, device):
    model = build(3, 4, 0.5, device)
    model.train(training)
    before = modes(model)
    kata.predict(model, random_input(2, device))
    after = modes(model)
    if after != before:
        changed = sorted(k for k in before if before[k] != after[k])
        state = "train" if training else "eval"
        if "(model)" not in changed:
            why = (
                "model.training = was_training, which sets the flag of the top-level module "
                "only; its submodules keep the mode predict gave them. Restore each "
                "submodule's .training (or call model.train(was_training))."
            )
        elif training:
            why = "model.eval() without switching back afterwards (use try/finally)."
        else:
            why = "model.train() afterwards instead of restoring the mode each submodule had."
        raise AssertionError(
            f"predict(model, x) on a model in {state} mode left the model in "
            f"{'eval' if training else 'train'} mode (changed: {changed}). Likely mistake: {why}"
        )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
def test_freeze_batchnorm_sets_modes_and_requires_grad(device):
    model = build(3, 4, 0.5, device)
    model.train()
    kata.freeze_batchnorm(model)
    for name, m in model.named_modules():
        frozen = isinstance(m, nn.BatchNorm2d)
        if frozen:
            check_batchnorm_frozen(name, m)
        if not frozen and name and not m.training:
            raise AssertionError(
                f"after freeze_batchnorm(model), {name} ({type(m).__name__}) is in eval mode. "
                f"Likely mistake: model.eval() on the whole model; only BatchNorm is frozen."
            )
        for pname, p in m.named_parameters(recurse=False):
            if not frozen and not p.requires_grad:
                raise AssertionError(
                    f"after freeze_batchnorm(model), {name}.{pname}.requires_grad is False, "
                    f"expected True. Likely mistake: requires_grad_(False) on more than the "
                    f"BatchNorm layers; only BatchNorm's weight and bias stop requiring grad."
                )


def check_batchnorm_frozen(name, m):
    """One BatchNorm after freeze_batchnorm: eval mode, weight and bias not requiring grad."""
    __tracebackhide__ = True
    grads = [pname for pname, p in m.named_parameters(recurse=False) if p.requires_grad]
    if m.training:
        why = (
            "this BatchNorm was not reached at all (its mode and its requires_grad are both "
            "as before): model.children(), which lists only direct children, instead of "
            "model.modules(), which recurses, or a type test that misses it."
            if grads
            else "only requires_grad_(False), or momentum=0 / track_running_stats=False to "
            "stop the statistics: also call .eval() on each BatchNorm, which makes it "
            "normalize with its running statistics."
        )
        raise AssertionError(
            f"after freeze_batchnorm(model), BatchNorm {name} ({type(m).__name__}) is still in "
            f"training mode, so it normalizes with batch statistics (and updates its running "
            f"statistics). Likely mistake: {why}"
        )
    if grads:
        why = (
            "m.requires_grad = False, which sets a plain attribute on the module, not on its "
            "parameters: call m.requires_grad_(False)."
            if "requires_grad" in vars(m)
            else "requires_grad never turned off: call m.requires_grad_(False) on each "
            "BatchNorm."
        )
        raise AssertionError(
            f"after freeze_batchnorm(model), BatchNorm {name} is in eval mode but "
            f"{[f'{name}.{g}' for g in grads]} still require grad, expected False. "
            f"Likely mistake: {why}"
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(2))
def test_frozen_batchnorm_keeps_running_statistics_in_training(seed, device):
    model = build(3, 4, 0.0, device, seed)
    warm_up(model, device)
    model.train()
    kata.freeze_batchnorm(model)
    before = running_stats(model)
    x = random_input(seed, device)
    got = model(x)
    expected, _ = reference(model, x, training=False)
    check_stats_unchanged(
        before,
        model,
        "a training forward after freeze_batchnorm(model)",
        "BatchNorm left in training mode (requires_grad_(False) does not stop the running "
        "statistics: m.eval() does).",
    )
    assert_tensor_close(
        got,
        expected,
        what="a training forward after freeze_batchnorm(model), p=0",
        mistake="a frozen BatchNorm normalizes with its running statistics.",
    )


@pytest.mark.task(3)
def test_predict_keeps_frozen_batchnorm_frozen(device):
    model = build(3, 4, 0.5, device)
    model.train()
    kata.freeze_batchnorm(model)
    before = modes(model)
    kata.predict(model, random_input(3, device))
    after = modes(model)
    if after != before:
        unfrozen = sorted(k for k in before if not before[k] and after[k])
        asleep = sorted(k for k in before if before[k] and not after[k])
        if unfrozen:
            raise AssertionError(
                f"predict(model, x) unfroze frozen BatchNorm layers: {unfrozen} went back to "
                f"training mode. Likely mistake: restoring the mode with model.train(...), "
                f"which sets every submodule; remember and restore each submodule's .training."
            )
        raise AssertionError(
            f"predict(model, x) on a training model with frozen BatchNorm left {asleep} in "
            f"eval mode. Likely mistake: the modes are not restored after the forward pass."
        )


class EveryBatchNorm(nn.Module):
    """BatchNorm of every dimension (one without affine parameters), Dropout and Linear."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 6)
        self.bn1d = nn.BatchNorm1d(6)
        self.plain = nn.BatchNorm1d(6, affine=False)  # no weight, no bias
        self.drop = nn.Dropout(0.5)
        self.conv = nn.Conv3d(1, 2, 1)
        self.blocks = nn.Sequential(nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm3d(2)))


def is_batchnorm(m):
    return isinstance(m, nn.BatchNorm1d | nn.BatchNorm2d | nn.BatchNorm3d)


def freeze(model, what):
    """freeze_batchnorm(model), with a teaching message for BatchNorms without parameters."""
    __tracebackhide__ = True
    try:
        return kata.freeze_batchnorm(model)
    except (AttributeError, TypeError) as err:
        if "NoneType" not in str(err):
            raise
        raise AssertionError(
            f"freeze_batchnorm({what}) raised {type(err).__name__}: {err}. Likely mistake: "
            f"m.weight.requires_grad = False on a BatchNorm built with affine=False, whose "
            f"weight and bias are None; m.requires_grad_(False) handles every case."
        ) from err


@pytest.mark.task(3)
def test_freeze_batchnorm_handles_every_dimension(device):
    model = EveryBatchNorm().to(device).train()
    freeze(model, "a model with BatchNorm1d, BatchNorm2d, BatchNorm3d")
    norms = {name: m for name, m in model.named_modules() if is_batchnorm(m)}
    missed = sorted(
        name
        for name, m in norms.items()
        if m.training or any(p.requires_grad for p in m.parameters())
    )
    kinds = {name: type(m).__name__ for name, m in norms.items()}
    if missed and all(kinds[n] != "BatchNorm2d" for n in missed):
        raise AssertionError(
            f"after freeze_batchnorm(model), {[f'{n} ({kinds[n]})' for n in missed]} are not "
            f"frozen (still in training mode, or still requiring grad), while every "
            f"BatchNorm2d is. Likely mistake: only nn.BatchNorm2d is matched; freeze "
            f"BatchNorm1d and BatchNorm3d too: isinstance(m, nn.modules.batchnorm._BatchNorm) "
            f"covers them all."
        )
    for name in missed:
        check_batchnorm_frozen(name, norms[name])
    for name, m in model.named_modules():
        if not is_batchnorm(m) and not m.training:
            raise AssertionError(
                f"after freeze_batchnorm(model), {name or '(model)'} ({type(m).__name__}) is in "
                f"eval mode. Likely mistake: model.eval() on the whole model; only BatchNorm "
                f"is frozen."
            )
        for pname, param in m.named_parameters(recurse=False):
            if not is_batchnorm(m) and not param.requires_grad:
                raise AssertionError(
                    f"after freeze_batchnorm(model), {name}.{pname}.requires_grad is False, "
                    f"expected True. Likely mistake: requires_grad_(False) on more than the "
                    f"BatchNorm layers."
                )


@pytest.mark.task(3)
def test_freeze_batchnorm_keeps_an_eval_model_in_eval(device):
    model = EveryBatchNorm().to(device).eval()
    freeze(model, "a model in eval mode")
    awake = sorted(name or "(model)" for name, m in model.named_modules() if m.training)
    if awake:
        raise AssertionError(
            f"freeze_batchnorm(model) on a model in eval mode put {awake} in training mode. "
            f"Likely mistake: model.train() first, to put the model in train mode and then "
            f"freeze BatchNorm; only the BatchNorm layers' modes may change."
        )


@pytest.mark.task(3)
def test_later_model_train_unfreezes_batchnorm_modes(device):
    model = build(3, 4, 0.5, device).train()
    freeze(model, "SmallCNN")
    model.train()
    frozen = sorted(name for name, m in model.named_modules() if not m.training)
    if frozen:
        raise AssertionError(
            f"after freeze_batchnorm(model), a later model.train() left {frozen} in eval mode. "
            f"Likely mistake: patching each BatchNorm's train() to ignore its argument: the "
            f"docstring promises that a later model.train() puts BatchNorm back in training "
            f"mode (which is why you freeze after model.train()); keep nn.Module's own train()."
        )
