"""Tests for kata 27: Xavier and Kaiming initialization, checked against the variance
formulas on large layers, with torch.nn.init's xavier_* / kaiming_* switched off."""

import math

import pytest
import torch
from torch import nn
from torch.nn.init import _calculate_fan_in_and_fan_out

from torchkatas.harness import assert_raises, forbid, load_kata

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
        if "leaf" not in str(err):
            raise  # another error: the harness reports it with the learner's line
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


def closest(got, candidates, otherwise, rel=0.05):
    """The mistake whose predicted value `got` matches (within rel), else `otherwise`."""
    for mistake, predicted in candidates.items():
        if abs(got - predicted) <= rel * abs(predicted):
            return mistake
    return otherwise


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
        if tuple(got) == expected[::-1]:
            hint = (
                "fans swapped: the weight is (out, in, *kernel), so fan_in comes from "
                "shape[1] and fan_out from shape[0], not the other way round."
            )
        elif tuple(got) == (shape[1], shape[0]):
            hint = (
                "the receptive field left out: a conv output reads in_channels * kernel-size "
                "inputs, so both fans are multiplied by math.prod(weight.shape[2:])."
            )
        else:
            hint = (
                "fan_in = shape[1] * receptive field, fan_out = shape[0] * receptive field, "
                "where the receptive field is the product of the kernel sizes, shape[2:]."
            )
        raise AssertionError(
            f"fan_in_and_fan_out(weight of shape {shape}) returned {got}, expected {expected}. "
            f"Likely mistake: {hint}"
        )
    if not all(type(f) is int for f in got):
        raise AssertionError(
            f"fan_in_and_fan_out(weight of shape {shape}) returned {got!r} "
            f"({', '.join(type(f).__name__ for f in got)}): expected Python ints. Likely "
            f"mistake: fans computed with tensor operations (torch.prod, .sum()) give 0-d "
            f"tensors; math.prod(weight.shape[2:]) and the sizes in weight.shape are ints."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("shape", [(5,), ()], ids=["1-D", "0-D"])
def test_fans_reject_fewer_than_two_dimensions(shape, device):
    assert_raises(
        ValueError,
        kata.fan_in_and_fan_out,
        torch.empty(shape, device=device),
        what=f"fan_in_and_fan_out(weight of shape {shape})",
        mistake="no check of weight.dim() < 2 before reading weight.shape[1]: a bias or a "
        "scalar has no fan_in and fan_out.",
    )


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
            f"{bound:.4g}. Likely mistake: a normal distribution (normal_, not uniform_), or "
            f"a bound larger than gain * sqrt(6 / (fan_in + fan_out))."
        )
    variance = gain**2 * 2 / (fan_in + fan_out)
    check_statistic(
        "variance",
        w.var().item(),
        variance,
        0.03,
        what,
        closest(
            w.var().item(),
            {
                "the bound set to the normal std gain * sqrt(2 / (fan_in + fan_out)): U(-a, a) "
                "has variance a**2 / 3, so a = gain * sqrt(6 / (fan_in + fan_out)), not the "
                "normal std.": variance / 3,
                "the gain ignored: a = gain * sqrt(6 / (fan_in + fan_out)).": variance / gain**2,
                "U(0, a) instead of U(-a, a) (torch.rand gives [0, 1): 2 * rand - 1 is in "
                "[-1, 1)), so the values are not centred on 0.": variance / 4,
            },
            "the bound a = gain * sqrt(6 / (fan_in + fan_out)) (a variance of a**2 / 3).",
        ),
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


def check_global_generator(name, device):
    __tracebackhide__ = True
    fn = getattr(kata, name)
    torch.manual_seed(5)
    a = call_init(fn, parameter((30, 20), device), name).detach()
    torch.manual_seed(5)
    b = call_init(fn, parameter((30, 20), device), name).detach()
    c = call_init(fn, parameter((30, 20), device), name).detach()
    if not torch.equal(a, b):
        raise AssertionError(
            f"{name} gave other values after the same torch.manual_seed(5): it should draw "
            f"from torch's global generator. Likely mistake: a generator of its own that is "
            f"not seeded, or seeded from something else."
        )
    if torch.equal(a, c):
        raise AssertionError(
            f"{name} gave the same values on two calls in a row: every layer of a shape "
            f"would start identical. Likely mistake: its own generator seeded with a fixed "
            f"seed (torch.Generator().manual_seed(0)); draw from torch's global generator."
        )


@pytest.mark.task(2)
def test_xavier_uniform_is_reproducible_and_random(device):
    check_global_generator("xavier_uniform_", device)


def check_filled_in_place(name, device, **kwargs):
    """A float64 Parameter keeps its dtype, device and storage: filled, not replaced."""
    __tracebackhide__ = True
    weight = nn.Parameter(torch.full((40, 30), 123.0, dtype=torch.float64, device=device))
    ptr = weight.data_ptr()
    what = f"{name}(a float64 Parameter of shape (40, 30) on {device})"
    call_init(getattr(kata, name), weight, what, **kwargs)
    if weight.dtype != torch.float64 or weight.device != torch.device(device):
        raise AssertionError(
            f"{what}: the weight is now {weight.dtype} on {weight.device}, expected "
            f"torch.float64 on {device}. Likely mistake: weight.data = a new tensor made "
            f"without dtype= and device= (torch.randn(shape)); fill the weight in place "
            f"(weight.{'uniform_' if 'xavier' in name else 'normal_'}(...)) under "
            f"torch.no_grad()."
        )
    if weight.data_ptr() != ptr:
        raise AssertionError(
            f"{what}: the weight's values now live in new memory (its data_ptr changed). "
            f"Likely mistake: weight.data = ... or weight.set_(...) instead of an in-place "
            f"fill; views and anything else sharing the old storage keep the old values."
        )


@pytest.mark.task(2)
def test_xavier_uniform_fills_a_float64_weight_in_place(device):
    check_filled_in_place("xavier_uniform_", device, gain=1.0)


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
    gain = math.sqrt(2.0 / (1 + slope**2))
    other_fan = fan_out if mode == "fan_in" else fan_in
    candidates = {
        "a missing gain: std = gain / sqrt(fan) with gain = sqrt(2 / (1 + negative_slope**2)) "
        "(sqrt(2) for ReLU).": std / gain,
        f"the wrong fan for mode={mode!r}: fan_in keeps the forward activations' variance, "
        f"fan_out the gradients'.": gain / math.sqrt(other_fan),
    }
    candidates[
        "the variance passed as the std: normal_(mean, std) takes the standard deviation, "
        "gain / sqrt(fan), not its square."
    ] = std**2
    if slope:
        candidates[
            "negative_slope not squared in the gain: sqrt(2 / (1 + negative_slope**2)), not "
            "sqrt(2 / (1 + negative_slope))."
        ] = math.sqrt(2.0 / (1 + slope)) / math.sqrt(fan_in if mode == "fan_in" else fan_out)
        candidates[
            "negative_slope ignored: the gain is sqrt(2 / (1 + negative_slope**2)), not sqrt(2)."
        ] = math.sqrt(2.0) / math.sqrt(fan_in if mode == "fan_in" else fan_out)
    check_statistic(
        "standard deviation",
        w.std().item(),
        std,
        0.02,
        what,
        closest(
            w.std().item(),
            candidates,
            "std = gain / sqrt(fan) with gain = sqrt(2 / (1 + negative_slope**2)) and fan the "
            "mode's fan.",
            rel=0.02,
        ),
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
def test_kaiming_normal_is_reproducible_and_random(device):
    check_global_generator("kaiming_normal_", device)


@pytest.mark.task(3)
def test_kaiming_normal_fills_a_float64_weight_in_place(device):
    check_filled_in_place("kaiming_normal_", device, mode="fan_in", negative_slope=0.0)


@pytest.mark.task(3)
def test_kaiming_normal_rejects_unknown_mode(device):
    assert_raises(
        ValueError,
        kata.kaiming_normal_,
        torch.empty(4, 4, device=device),
        mode="fan_avg",
        what="kaiming_normal_(weight, mode='fan_avg')",
        mistake="any mode other than 'fan_in' treated as 'fan_out' (if/else); check for the "
        "two modes and raise ValueError for the rest.",
    )


# ----------------------------------------------------------------------------- task 4

CLAIMED = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)  # what init_weights initializes


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


def every_layer_type(device):
    """One of each layer type init_weights claims, with and without bias, nested."""
    torch.manual_seed(2)
    return nn.Sequential(
        nn.Conv1d(32, 64, 5),
        nn.Sequential(nn.Conv2d(16, 64, 3, bias=False), nn.ReLU()),
        nn.Conv3d(8, 32, 3),
        nn.ModuleDict({"head": nn.Linear(300, 200), "proj": nn.Linear(200, 100, bias=False)}),
    ).to(device)


def apply_init(model, what):
    __tracebackhide__ = True
    try:
        with no_builtin_init():
            result = model.apply(kata.init_weights)
    except NotImplementedError:
        raise
    except (RuntimeError, ValueError) as err:
        if "leaf" in str(err):
            hint = "an in-place init of a Parameter outside torch.no_grad()."
        else:
            hint = (
                "initializing modules other than Linear and Conv (a BatchNorm's 1-D weight "
                "has no fans), or an in-place init outside torch.no_grad()."
            )
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}. Likely mistake: {hint}"
        ) from err
    if result is not model:
        raise AssertionError(f"{what} should return the model.")


def check_he_initialized(model, before, what):
    """Every Linear and Conv layer He-initialized (fan_in, ReLU) with a zero bias."""
    __tracebackhide__ = True
    for name, m in model.named_modules():
        if not isinstance(m, CLAIMED):
            continue
        layer = f"layer {name} ({type(m).__name__})"
        if torch.equal(m.weight, before[f"{name}.weight"]):
            raise AssertionError(
                f"after {what}, the weight of {layer} is unchanged: it was not initialized. "
                f"Likely mistake: a layer type skipped; init_weights handles nn.Linear, "
                f"nn.Conv1d, nn.Conv2d and nn.Conv3d, whatever the model it is applied to."
            )
        fan_in = _calculate_fan_in_and_fan_out(m.weight)[0]
        check_statistic(
            "standard deviation",
            m.weight.std().item(),
            math.sqrt(2 / fan_in),
            0.05,
            f"after {what}, {layer}",
            "the wrong formula: std = sqrt(2 / fan_in) (kaiming_normal_ with its defaults), "
            "fan_in = in_channels * receptive field.",
        )
        if m.bias is not None and torch.any(m.bias != 0):
            raise AssertionError(
                f"after {what}, the bias of {layer} is not zero (largest |b| = "
                f"{m.bias.abs().max().item():.3g}). Likely mistake: only the weight "
                f"initialized; set the bias to zero too."
            )


@pytest.mark.task(4)
def test_apply_init_weights(device):
    model = convnet(device)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(1)
    apply_init(model, "model.apply(init_weights)")
    check_he_initialized(model, before, "model.apply(init_weights)")
    for key, value in model[1].state_dict().items():
        if not torch.equal(value, before[f"1.{key}"]):
            raise AssertionError(
                f"model.apply(init_weights) changed BatchNorm's {key}: BatchNorm must be left "
                f"as it is (only Linear and Conv layers are initialized). Likely mistake: "
                f"resetting normalization layers (weight 1, bias 0, as torchvision's ResNet "
                f"init does); this init_weights leaves them alone."
            )


@pytest.mark.task(4)
def test_init_weights_handles_every_claimed_layer_type(device):
    """Conv1d, Conv2d, Conv3d and Linear, with and without bias, inside nested containers."""
    model = every_layer_type(device)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    torch.manual_seed(3)
    what = "model.apply(init_weights) on Conv1d, Conv2d, Conv3d and Linear layers"
    apply_init(model, what)
    check_he_initialized(model, before, what)


@pytest.mark.task(4)
def test_init_weights_keeps_a_float64_models_dtype(device):
    model = every_layer_type(device).double()
    apply_init(model, "model.apply(init_weights) on a float64 model")
    wrong = [
        f"{name} ({p.dtype}, {p.device})"
        for name, p in model.named_parameters()
        if p.dtype != torch.float64 or p.device != torch.device(device)
    ]
    if wrong:
        raise AssertionError(
            f"model.apply(init_weights) on a float64 model on {device} left {wrong}: expected "
            f"every parameter still torch.float64 on {device}. Likely mistake: "
            f"module.weight.data = a new tensor (torch.randn(shape) * std, torch.zeros(n)) "
            f"made without dtype= and device=; fill the existing tensors in place."
        )


@pytest.mark.task(4)
def test_init_weights_keeps_the_same_parameter_objects(device):
    """In place: an optimizer built before the init still holds the model's parameters."""
    model = every_layer_type(device)
    params = dict(model.named_parameters())
    held = list(model.parameters())  # what torch.optim.SGD(model.parameters()) would keep
    apply_init(model, "model.apply(init_weights)")
    for name, p in params.items():
        now = model.get_parameter(name)
        if now is not p:
            raise AssertionError(
                f"model.apply(init_weights) replaced the Parameter {name} with a new object: "
                f"an optimizer built earlier still updates the old one, and training never "
                f"changes the layer. Likely mistake: assigning module.{name.rsplit('.', 1)[-1]}"
                f" = nn.Parameter(...); fill the existing one in place, under torch.no_grad()."
            )
        if not (now.is_leaf and now.requires_grad):
            raise AssertionError(
                f"after model.apply(init_weights), {name} is no longer a leaf that requires "
                f"grad. Likely mistake: an in-place init recorded by autograd (outside "
                f"torch.no_grad()), or requires_grad switched off."
            )
    if [id(p) for p in held] != [id(p) for p in model.parameters()]:
        raise AssertionError(
            "after model.apply(init_weights), model.parameters() are not the objects an "
            "optimizer built earlier holds. Likely mistake: new nn.Parameter objects assigned "
            "to the layers, or parameters registered anew; initialize the existing ones in "
            "place."
        )


def other_modules(device):
    """Modules with parameters that init_weights must leave exactly as they are."""
    torch.manual_seed(4)
    model = nn.Sequential(
        nn.BatchNorm1d(8),
        nn.BatchNorm2d(8),
        nn.BatchNorm3d(8),
        nn.LayerNorm(8),
        nn.GroupNorm(2, 8),
        nn.Embedding(20, 8),
        nn.ConvTranspose2d(8, 4, 3),
        nn.Bilinear(4, 5, 3),
    ).to(device)
    with torch.no_grad():  # non-default values everywhere, running statistics included
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.uniform_(0.5, 1.5)
    return model


@pytest.mark.task(4)
def test_init_weights_leaves_every_other_module_alone(device):
    """Norm layers, Embedding, ConvTranspose2d, Bilinear: not Linear or Conv1d/2d/3d."""
    model = other_modules(device)
    before = {k: v.clone() for k, v in model.state_dict().items()}
    apply_init(model, "model.apply(init_weights)")
    for name, m in model.named_children():
        changed = [
            k for k, v in m.state_dict().items() if not torch.equal(v, before[f"{name}.{k}"])
        ]
        if not changed:
            continue
        if isinstance(m, nn.modules.batchnorm._NormBase | nn.LayerNorm | nn.GroupNorm):
            hint = (
                "resetting normalization layers (weight 1, bias 0, as torchvision's ResNet "
                "init does); this init_weights leaves them alone."
            )
        else:
            hint = (
                "choosing layers by their weight's shape (any module with a weight of 2 or "
                "more dimensions) or by a base class such as nn.modules.conv._ConvNd, instead "
                "of isinstance(module, (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d))."
            )
        raise AssertionError(
            f"model.apply(init_weights) changed {type(m).__name__}'s {changed}: only "
            f"nn.Linear and nn.Conv1d/2d/3d are initialized, every other module is left "
            f"exactly as it is. Likely mistake: {hint}"
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
