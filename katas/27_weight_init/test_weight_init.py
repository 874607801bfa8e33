"""Tests for kata 27: Xavier and Kaiming initialization, checked against the variance
formulas on large layers, with torch.nn.init's xavier_* / kaiming_* switched off."""

import math

import pytest
import torch
from torch import nn
from torch.nn.init import _calculate_fan_in_and_fan_out

from torchkatas.harness import forbid, load_kata

kata = load_kata(__file__)

FORBIDDEN = (
    "torch.nn.init.xavier_uniform_",
    "torch.nn.init.xavier_normal_",
    "torch.nn.init.kaiming_uniform_",
    "torch.nn.init.kaiming_normal_",
)
# Linear and Conv weights with over 100k entries, so sample statistics are within ~1%
LARGE = [(512, 256), (300, 700), (64, 32, 3, 3), (16, 48, 5, 5, 3), (40, 96, 31)]
IDS = ["x".join(map(str, s)) for s in LARGE]


def no_builtin_init():
    return forbid(*FORBIDDEN, kata=kata, why="Write the formula from the fans.")


def parameter(shape, device):
    """An nn.Parameter that requires grad, as a layer's weight is, filled with a sentinel."""
    return nn.Parameter(torch.full(shape, 123.0, device=device))


def call_init(fn, weight, what, **kwargs):
    __tracebackhide__ = True
    try:
        with no_builtin_init():
            result = fn(weight, **kwargs)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: an in-place init of a "
            f"Parameter that requires grad outside torch.no_grad()."
        ) from err
    if result is not weight:
        raise AssertionError(
            f"{what} returned {type(result).__name__}, expected the weight itself (in place)."
        )
    if not (weight.is_leaf and weight.requires_grad and weight.grad_fn is None):
        raise AssertionError(f"{what}: the weight is no longer a leaf that requires grad.")
    if torch.any(weight == 123.0):
        raise AssertionError(f"{what} did not fill every element of the weight in place.")
    return weight


def check_statistic(name, got, expected, rel, what, mistake):
    __tracebackhide__ = True
    if abs(got - expected) > rel * abs(expected):
        raise AssertionError(
            f"{what}: the {name} of the values is {got:.5g}, expected {expected:.5g} (within "
            f"{rel:.0%}). Likely mistake: {mistake}"
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "shape", [(3, 5), (1, 1), (7, 2, 3), (8, 4, 3, 3), (2, 6, 1, 5, 4), (16, 3, 7, 7)], ids=str
)
def test_fans_match_torch(shape, device):
    weight = torch.empty(shape, device=device)
    got = kata.fan_in_and_fan_out(weight)
    expected = _calculate_fan_in_and_fan_out(weight)
    if tuple(got) != expected:
        raise AssertionError(
            f"fan_in_and_fan_out(weight of shape {shape}) returned {got}, expected {expected}. "
            f"Likely mistake: the weight is (out, in, *kernel), so fan_in comes from shape[1] "
            f"and fan_out from shape[0] (not the other way round, as for (out_features, "
            f"in_features)), both times the receptive field, the product of the kernel sizes."
        )
    if not all(type(f) is int for f in got):
        raise AssertionError(f"fan_in_and_fan_out returned {got!r}: expected Python ints.")


@pytest.mark.task(1)
def test_fans_reject_vectors(device):
    with pytest.raises(ValueError):
        kata.fan_in_and_fan_out(torch.empty(5, device=device))


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("shape", LARGE, ids=IDS)
def test_xavier_uniform_variance_and_bounds(shape, device):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(torch.empty(shape))
    gain = 1.0 + (len(shape) % 3) * 0.3  # 1.0, 1.3, 1.6: gain matters
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    torch.manual_seed(len(shape))
    what = f"xavier_uniform_(weight of shape {shape}, gain={gain})"
    w = call_init(kata.xavier_uniform_, parameter(shape, device), what, gain=gain).detach()
    if w.abs().max() > bound * (1 + 1e-6):
        raise AssertionError(
            f"{what}: values reach {w.abs().max().item():.4g}, outside U(-a, a) with a = "
            f"{bound:.4g}. Likely mistake: a normal distribution, or a bound missing the 6."
        )
    check_statistic(
        "variance",
        w.var().item(),
        gain**2 * 2 / (fan_in + fan_out),
        0.03,
        what,
        "the uniform bound a = gain * sqrt(6 / (fan_in + fan_out)) (a variance of "
        "a**2 / 3), not the normal std gain * sqrt(2 / (fan_in + fan_out)).",
    )
    check_statistic(
        "largest |value|",
        w.abs().max().item(),
        bound,
        0.01,
        what,
        "the bound a is gain * sqrt(6 / (fan_in + fan_out)).",
    )
    check_statistic(
        "mean + 1", w.mean().item() + 1, 1.0, 0.01, what, "U(0, a) instead of U(-a, a)."
    )


@pytest.mark.task(2)
def test_xavier_uniform_is_reproducible_and_random(device):
    torch.manual_seed(5)
    a = call_init(kata.xavier_uniform_, parameter((30, 20), device), "xavier_uniform_").detach()
    torch.manual_seed(5)
    b = call_init(kata.xavier_uniform_, parameter((30, 20), device), "xavier_uniform_").detach()
    c = call_init(kata.xavier_uniform_, parameter((30, 20), device), "xavier_uniform_").detach()
    if not torch.equal(a, b) or torch.equal(a, c):
        raise AssertionError(
            "xavier_uniform_ should draw from torch's global generator: the same "
            "torch.manual_seed must give the same values, the next call different ones."
        )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("shape", LARGE, ids=IDS)
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_normal_std(shape, mode, device):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(torch.empty(shape))
    slope = 0.0 if len(shape) % 2 == 0 else 0.2
    std = math.sqrt(2.0 / (1 + slope**2)) / math.sqrt(fan_in if mode == "fan_in" else fan_out)
    torch.manual_seed(len(shape) + 10)
    what = f"kaiming_normal_(weight of shape {shape}, mode={mode!r}, negative_slope={slope})"
    w = call_init(
        kata.kaiming_normal_, parameter(shape, device), what, mode=mode, negative_slope=slope
    ).detach()
    check_statistic(
        "standard deviation",
        w.std().item(),
        std,
        0.02,
        what,
        "std = gain / sqrt(fan) with gain = sqrt(2 / (1 + negative_slope**2)): "
        "a missing ReLU gain sqrt(2), or the wrong fan for the mode.",
    )
    check_statistic(
        "mean / std + 1", w.mean().item() / std + 1, 1.0, 0.02, what, "a mean other than 0."
    )
    within = ((w.abs() < std).double().mean()).item()
    check_statistic(
        "fraction within one std",
        within,
        0.6827,
        0.03,
        what,
        "a uniform distribution instead of a normal one (normal_, not uniform_).",
    )


@pytest.mark.task(3)
def test_kaiming_normal_rejects_unknown_mode(device):
    with pytest.raises(ValueError):
        kata.kaiming_normal_(torch.empty(4, 4, device=device), mode="fan_avg")


# ----------------------------------------------------------------------------- task 4


def convnet(device):
    torch.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(16, 64, 3, padding=1),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.Conv1d(64, 128, 5, bias=False),  # odd in a real net; a Conv1d without bias here
        nn.Flatten(),
        nn.Linear(600, 400),
        nn.ReLU(),
        nn.Linear(400, 300),
    ).to(device)
    with torch.no_grad():  # BatchNorm with non-default values, to check it is left alone
        model[1].weight.uniform_(0.5, 1.5)
        model[1].bias.uniform_(-1, 1)
    return model


@pytest.mark.task(4)
def test_apply_init_weights(device):
    model = convnet(device)
    bn_before = {k: v.clone() for k, v in model[1].state_dict().items()}
    torch.manual_seed(1)
    try:
        with no_builtin_init():
            result = model.apply(kata.init_weights)
    except NotImplementedError:
        raise
    except (RuntimeError, ValueError) as err:
        raise AssertionError(
            f"model.apply(init_weights) raised {type(err).__name__}: {err}. Likely mistake: "
            f"initializing every module, BatchNorm and its 1-D weight included (only Linear "
            f"and Conv layers), or an in-place init outside torch.no_grad()."
        ) from err
    if result is not model:
        raise AssertionError("model.apply(init_weights) should return the model.")
    for name, m in model.named_modules():
        if isinstance(m, nn.Linear | nn.Conv1d | nn.Conv2d):
            fan_in = _calculate_fan_in_and_fan_out(m.weight)[0]
            check_statistic(
                "standard deviation",
                m.weight.std().item(),
                math.sqrt(2 / fan_in),
                0.05,
                f"after model.apply(init_weights), layer {name} ({type(m).__name__})",
                "a layer type skipped (Conv1d, Conv2d and Linear are all He-initialized), or "
                "the wrong formula.",
            )
            if m.bias is not None and torch.any(m.bias != 0):
                raise AssertionError(
                    f"after model.apply(init_weights), the bias of layer {name} is not zero "
                    f"(largest |b| = {m.bias.abs().max().item():.3g}). Likely mistake: only the "
                    f"weight initialized; set the bias to zero too."
                )
    for key, value in model[1].state_dict().items():
        if not torch.equal(value, bn_before[key]):
            raise AssertionError(
                f"model.apply(init_weights) changed BatchNorm's {key}: BatchNorm must be left "
                f"as it is (only Linear and Conv layers are initialized)."
            )


@pytest.mark.task(4)
def test_init_weights_handles_one_module_only(device):
    model = convnet(device)
    before = [p.detach().clone() for p in model.parameters()]
    with no_builtin_init():
        kata.init_weights(model)  # the container itself: nothing to do
    for p, b in zip(model.parameters(), before, strict=True):
        if not torch.equal(p, b):
            raise AssertionError(
                "init_weights(model) on an nn.Sequential changed its layers. Likely mistake: "
                "recursing with model.modules() inside init_weights; model.apply already "
                "visits every submodule."
            )
