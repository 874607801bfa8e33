"""Tests for kata 64: affine int8 quantization checked exactly against plain references and
torch's fake_quantize ops, then torchao's dynamic, static and QAT paths against int8
references written out in this file."""

import copy
import io

import pytest
import torch
from torch import nn

from torchkatas.harness import ForbiddenCall, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

QMIN, QMAX = -128, 127
EPS = torch.finfo(torch.float32).eps
# the deprecated eager-mode API (torch 2.14 warns DeprecationWarning): the kata uses torchao
LEGACY = (
    "torch.ao.quantization.quantize_dynamic",
    "torch.ao.quantization.quantize",
    "torch.ao.quantization.prepare",
    "torch.ao.quantization.prepare_qat",
    "torch.ao.quantization.convert",
    "torch.quantization.quantize_dynamic",
    "torch.quantization.quantize",
    "torch.quantization.prepare",
    "torch.quantization.prepare_qat",
    "torch.quantization.convert",
)
LEGACY_WHY = (
    "torch.ao.quantization (and its alias torch.quantization) is deprecated in torch 2.14; "
    "use torchao.quantization.quantize_ with a torchao config."
)


# ----------------------------------------------------------------------------- references


def ref_qparams(x, symmetric=False, axis=None):
    """The docstring's formulas, plainly, for one tensor or for each slice along axis."""
    x = x.detach().float()
    if axis is not None:
        pairs = [ref_qparams(s, symmetric) for s in x.unbind(axis)]
        return torch.stack([s for s, _ in pairs]), torch.stack([z for _, z in pairs])
    lo = torch.clamp(x.min(), max=0.0)
    hi = torch.clamp(x.max(), min=0.0)
    if symmetric:
        scale = torch.clamp(torch.maximum(-lo, hi) / 127.5, min=EPS)
        return scale, torch.zeros((), dtype=torch.int32, device=x.device)
    scale = torch.clamp((hi - lo) / 255, min=EPS)
    zero_point = torch.clamp(QMIN - torch.round(lo / scale), QMIN, QMAX)
    return scale, zero_point.to(torch.int32)


def along(t, axis, ndim):
    if axis is None:
        return t
    shape = [1] * ndim
    shape[axis % ndim] = -1
    return t.reshape(shape)


def ref_quantize(x, scale, zero_point, axis=None):
    s, z = along(scale, axis, x.dim()), along(zero_point, axis, x.dim())
    return torch.clamp(torch.round(x.float() / s) + z, QMIN, QMAX).to(torch.int8)


def ref_dequantize(q, scale, zero_point, axis=None):
    s, z = along(scale, axis, q.dim()), along(zero_point, axis, q.dim())
    return (q.float() - z.float()) * s


def fake_quant(x, dim, symmetric):
    """torchao's arithmetic: qparams over `dim` (None: whole tensor), round(x * (1 / s))."""
    if dim is None:
        lo, hi = x.amin(), x.amax()
    else:
        lo, hi = x.amin(dim=dim, keepdim=True), x.amax(dim=dim, keepdim=True)
    lo, hi = torch.clamp(lo, max=0.0), torch.clamp(hi, min=0.0)
    if symmetric:
        scale = torch.clamp(torch.maximum(-lo, hi) / 127.5, min=EPS)
        zero_point = torch.zeros_like(scale)
    else:
        scale = torch.clamp((hi - lo) / 255, min=EPS)
        zero_point = torch.clamp(QMIN - torch.round(lo / scale), QMIN, QMAX)
    return fake_quant_with(x, scale, zero_point)


def fake_quant_with(x, scale, zero_point):
    q = torch.clamp(torch.round(x * (1.0 / scale)) + zero_point, QMIN, QMAX)
    return (q - zero_point) * scale


def int8_linear(x, linear, act, weight):
    """A Linear run as int8: act/weight say how inputs and weights are rounded."""
    return act(x) @ weight(linear.weight).T + (0 if linear.bias is None else linear.bias)


def run_int8(model, x, act, weight):
    with torch.no_grad():
        for module in model:
            x = int8_linear(x, module, act, weight) if isinstance(module, nn.Linear) else module(x)
    return x


def tie_free(gen, shape, scale, zero_point, axis=None, span=(-140, 140)):
    """x whose x / scale + zero_point lies 0.05..0.45 away from every integer: no rounding ties.

    Values run a little past the int8 range, so clamping is exercised too.
    """
    k = torch.randint(span[0], span[1], shape, generator=gen).double()
    f = torch.rand(shape, generator=gen, dtype=torch.float64) * 0.4 + 0.05
    f = torch.where(torch.rand(shape, generator=gen) < 0.5, f, 1 - f)
    s = along(scale.double().cpu(), axis, len(shape))
    z = along(zero_point.double().cpu(), axis, len(shape))
    return ((k + f - z) * s).float()


def state_bytes(state):
    return sum(t.numel() * t.element_size() for t in state.values())


def saved_bytes(model):
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.getbuffer().nbytes


def snapshot(model):
    """Everything about the caller's model that a quantizer must leave alone."""
    return {
        "state": {k: v.detach().clone() for k, v in model.state_dict().items()},
        "types": {n: type(p) for n, p in model.named_parameters()},
        "training": {n: m.training for n, m in model.named_modules()},
        "modules": {n: type(m) for n, m in model.named_modules()},
    }


def check_untouched(model, before, what, mistake):
    __tracebackhide__ = True
    after = snapshot(model)
    if after["modules"] != before["modules"] or after["types"] != before["types"]:
        changed = {n: t.__name__ for n, t in after["types"].items() if before["types"].get(n) != t}
        raise AssertionError(
            f"{what} changed the caller's model: its modules or parameter types are now "
            f"{changed or after['modules']}. Likely mistake: {mistake}"
        )
    for name, value in before["state"].items():
        got = after["state"][name]
        if got.dtype != value.dtype or got.shape != value.shape or not torch.equal(got, value):
            raise AssertionError(
                f"{what} changed the caller's model: {name} is different afterwards. "
                f"Likely mistake: {mistake}"
            )
    if after["training"] != before["training"]:
        raise AssertionError(
            f"{what} changed the caller's model's training flag (was "
            f"{before['training']['']}, now {after['training']['']}). Likely mistake: calling "
            f"eval() on the caller's model instead of on the copy."
        )


def check_close_to_float(got, float_out, what, bound=0.03):
    __tracebackhide__ = True
    err = (got.detach().float() - float_out).abs().max().item()
    top = float_out.abs().max().item()
    if not err <= bound * top:
        raise AssertionError(
            f"{what}: largest error against the float model {err:.4g}, more than "
            f"{bound:.0%} of the largest float output ({top:.4g}). Likely mistake: a model left "
            f"in train mode (dropout), or quantization with the wrong scales."
        )


def call_torchao(name, *args):
    """Call kata.<name> with the deprecated torch.ao.quantization API forbidden."""
    __tracebackhide__ = True
    try:
        with forbid(*LEGACY, kata=kata, why=LEGACY_WHY):
            return getattr(kata, name)(*args)
    except ForbiddenCall as err:
        legacy = str(err).split("your code called ", 1)[-1].split(",", 1)[0]
        raise AssertionError(f"{name}(...) called {legacy}: {LEGACY_WHY}") from None


def call_per_channel(name, *args, what):
    """kata.quantize / kata.dequantize; a broadcasting error is explained."""
    __tracebackhide__ = True
    try:
        return getattr(kata, name)(*args)
    except RuntimeError as err:
        if isinstance(err, NotImplementedError) or "must match the size" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: the (C,) scale and zero point "
            f"used as they are: a (C,) tensor broadcasts along the LAST dimension; reshape "
            f"them to (1, ..., C, ..., 1) with C at position axis."
        ) from err


# ----------------------------------------------------------------------------- task 1

SHAPES = [(), (1,), (7,), (3, 5), (2, 3, 4)]


def random_tensor(gen, shape, device, kind=None):
    kind = kind or ["mixed", "positive", "negative"][int(torch.randint(3, (), generator=gen))]
    spread = 10 ** float(torch.empty(()).uniform_(-2, 2, generator=gen))
    x = torch.randn(shape, generator=gen) * spread
    if kind == "positive":
        x = x.abs() + spread
    elif kind == "negative":
        x = -x.abs() - spread
    elif kind == "mixed":
        x = x + spread * float(torch.empty(()).uniform_(-1, 1, generator=gen))
    return x.to(device)


def check_qparams(got, x, symmetric, axis, what, mistake):
    __tracebackhide__ = True
    if not (isinstance(got, tuple) and len(got) == 2):
        raise AssertionError(f"{what} returned {type(got).__name__}; expected (scale, zero_point).")
    scale, zero_point = got
    expected_scale, expected_zp = ref_qparams(x, symmetric, axis)
    if isinstance(zero_point, torch.Tensor) and zero_point.dtype == torch.int32:
        outside = (zero_point < QMIN) | (zero_point > QMAX)
        if outside.any():
            raise AssertionError(
                f"{what}: zero point {zero_point[outside].flatten()[0].item()} is outside "
                f"[-128, 127], so it cannot be stored in int8. Likely mistake: the range "
                f"[lo, hi] does not include 0 (lo = min(min(x), 0), hi = max(max(x), 0)), "
                f"or the zero point is not clamped."
            )
    assert_tensor_close(scale, expected_scale, what=f"{what}: scale", mistake=mistake)
    assert_tensor_close(
        zero_point,
        expected_zp,
        what=f"{what}: zero_point",
        rtol=0,
        atol=0,
        mistake="zero_point = -128 - round(lo / scale) with torch.round (not truncated by "
        ".to(int), not floored), clamped into [-128, 127]; 0 when symmetric.",
    )


@pytest.mark.task(1)
@pytest.mark.parametrize("symmetric", [False, True], ids=["asymmetric", "symmetric"])
def test_per_tensor_qparams_follow_the_formula(symmetric, device):
    gen = torch.Generator().manual_seed(640 + symmetric)
    for trial in range(15):
        shape = SHAPES[trial % len(SHAPES)]
        x = random_tensor(gen, shape, device)
        what = (
            f"choose_qparams(x, symmetric={symmetric}) for x of shape {shape} in "
            f"[{x.min().item():.4g}, {x.max().item():.4g}]"
        )
        got = kata.choose_qparams(x, symmetric=symmetric)
        mistake = (
            "symmetric: scale = max(-lo, hi) / 127.5"
            if symmetric
            else "asymmetric: scale = (hi - lo) / 255 over the whole range, not max / 127.5 or "
            "max / 255"
        ) + ", with lo = min(min(x), 0) and hi = max(max(x), 0)."
        check_qparams(got, x, symmetric, None, what, mistake)


@pytest.mark.task(1)
@pytest.mark.parametrize("symmetric", [False, True], ids=["asymmetric", "symmetric"])
@pytest.mark.parametrize(
    ("shape", "axis"),
    [((3, 4, 5), 0), ((3, 4, 5), 1), ((3, 4, 5), -1), ((4, 4), 0), ((6, 1), 0), ((1, 5), 1)],
    ids=["3d-axis0", "3d-axis1", "3d-axis-1", "square-axis0", "one-column", "one-row"],
)
def test_per_channel_qparams_equal_each_channel_alone(shape, axis, symmetric, device):
    gen = torch.Generator().manual_seed(sum(shape) + axis)
    for _ in range(3):
        # channels of very different ranges: one pair for all of them would not do
        x = random_tensor(gen, shape, device, kind="mixed")
        x = x * along(torch.logspace(-2, 2, shape[axis]).to(device), axis, len(shape))
        what = f"choose_qparams(x, symmetric={symmetric}, axis={axis}) for x of shape {shape}"
        got = kata.choose_qparams(x, symmetric=symmetric, axis=axis)
        check_qparams(
            got,
            x,
            symmetric,
            axis,
            what,
            mistake="per channel: one (scale, zero_point) per index along `axis`, min and max "
            "over all the OTHER dimensions (amin(dim=axis) reduces the wrong ones; ignoring "
            "axis gives per-tensor parameters).",
        )


@pytest.mark.task(1)
def test_range_always_includes_zero(device):
    cases = {
        "all positive [5, 10]": torch.tensor([5.0, 7.5, 10.0]),
        "all negative [-8, -2]": torch.tensor([-8.0, -4.0, -2.0]),
    }
    for name, x in cases.items():
        x = x.to(device)
        what = f"choose_qparams(x) for x {name}"
        got = kata.choose_qparams(x)
        check_qparams(
            got,
            x,
            False,
            None,
            what,
            mistake="the range must include 0 (lo = min(min(x), 0), hi = max(max(x), 0)), so "
            "that 0.0 is exactly representable: here scale = 10 / 255 with zero point -128.",
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("symmetric", [False, True], ids=["asymmetric", "symmetric"])
def test_all_zero_channel_gets_the_eps_scale(symmetric, device):
    x = torch.randn(3, 4, generator=torch.Generator().manual_seed(3)).to(device)
    x[1] = 0.0
    for axis, label in [(0, "a channel of zeros"), (None, "an all-zero tensor")]:
        data = x if axis is not None else torch.zeros(2, 3, device=device)
        what = f"choose_qparams(x, symmetric={symmetric}, axis={axis}) for {label}"
        scale, zero_point = kata.choose_qparams(data, symmetric=symmetric, axis=axis)
        if not torch.isfinite(scale).all() or (scale <= 0).any():
            raise AssertionError(
                f"{what}: scale {scale.tolist()} is not finite and positive; dividing by it "
                f"gives inf or NaN. Likely mistake: scale not clamped to at least "
                f"torch.finfo(torch.float32).eps."
            )
        check_qparams((scale, zero_point), data, symmetric, axis, what, "scale clamped to eps.")


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float64, torch.float16, torch.bfloat16])
def test_other_dtypes_and_strided_inputs_are_accepted_and_untouched(dtype, device):
    gen = torch.Generator().manual_seed(5)
    x = (torch.randn(5, 6, generator=gen) * 3 + 1).to(device, dtype).T  # (6, 5), not contiguous
    x.requires_grad_(True)
    before = x.detach().clone()
    for symmetric, axis in [(False, None), (True, 1), (False, 0)]:
        what = f"choose_qparams(x, symmetric={symmetric}, axis={axis}) for a transposed {dtype} x"
        got = kata.choose_qparams(x, symmetric=symmetric, axis=axis)
        check_qparams(
            got, x, symmetric, axis, what, "compute in float32 (x.float()), whatever x's dtype."
        )
    if not torch.equal(x.detach(), before) or not x.requires_grad or x.grad is not None:
        raise AssertionError(
            "choose_qparams changed the caller's x (values, requires_grad or .grad)."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "x", [torch.arange(6), torch.empty(0), torch.empty(3, 0)], ids=["int64", "empty", "no-columns"]
)
def test_raises_value_error_for_integer_or_empty_input(x, device):
    x = x.to(device)
    try:
        kata.choose_qparams(x)
    except ValueError:
        return
    except NotImplementedError:
        raise
    except Exception as err:
        raise AssertionError(
            f"choose_qparams(x) for x {x.dtype} of shape {tuple(x.shape)} raised "
            f"{type(err).__name__}: {err}; expected ValueError with a message saying why."
        ) from err
    raise AssertionError(
        f"choose_qparams(x) for x {x.dtype} of shape {tuple(x.shape)} raised nothing; expected "
        f"ValueError (an integer tensor is already quantized; an empty one has no range)."
    )


# ----------------------------------------------------------------------------- task 2


def random_qparams(gen, channels, device):
    scale = torch.rand(channels, generator=gen) * 0.5 + 0.01
    zero_point = torch.randint(-60, 60, (channels,), generator=gen, dtype=torch.int32)
    return scale.to(device), zero_point.to(device)


def check_quantized(q, x, scale, zero_point, axis, what, mistake):
    __tracebackhide__ = True
    expected = ref_quantize(x, scale, zero_point, axis)
    if isinstance(q, torch.Tensor) and q.dtype == torch.int8 and q.shape == expected.shape:
        raw = torch.round(x.float() / along(scale, axis, x.dim())) + along(
            zero_point, axis, x.dim()
        )
        wrapped = ((raw > QMAX) & (q < 0)) | ((raw < QMIN) & (q > 0))
        if wrapped.any():
            raise AssertionError(
                f"{what}: values beyond the int8 range wrapped around (e.g. "
                f"{raw[wrapped].flatten()[0].item():.0f} became {q[wrapped].flatten()[0].item()}). "
                f"Likely mistake: converting to int8 before clamping; clamp into [-128, 127] "
                f"first, then .to(torch.int8)."
            )
    assert_tensor_close(q, expected, what=what, rtol=0, atol=0, mistake=mistake)


@pytest.mark.task(2)
def test_per_tensor_quantize_matches_the_formula_and_torch(device):
    gen = torch.Generator().manual_seed(64)
    for trial in range(10):
        shape = SHAPES[trial % len(SHAPES)]
        scale, zero_point = random_qparams(gen, 1, device)
        scale, zero_point = scale[0], zero_point[0]  # 0-d, as choose_qparams gives them
        x = tie_free(gen, shape, scale, zero_point).to(device)
        what = (
            f"quantize(x, scale={scale.item():.4g}, zero_point={zero_point.item()}) for x of "
            f"shape {shape}"
        )
        q = kata.quantize(x, scale, zero_point)
        check_quantized(
            q,
            x,
            scale,
            zero_point,
            None,
            what,
            "q = clamp(round(x / scale) + zero_point, -128, 127) as int8: round, do not "
            "truncate, and add the zero point after dividing.",
        )
        x_hat = kata.dequantize(q, scale, zero_point)
        expected = torch.fake_quantize_per_tensor_affine(
            x, scale.double().item(), int(zero_point), QMIN, QMAX
        )
        assert_tensor_close(
            x_hat,
            expected,
            what=f"dequantize(quantize(x, ...)) against torch.fake_quantize_per_tensor_affine "
            f"for x of shape {shape}",
            mistake="x_hat = (q - zero_point) * scale, in float32.",
        )


@pytest.mark.task(2)
@pytest.mark.parametrize(
    ("shape", "axis"),
    [((3, 5), 0), ((3, 5), 1), ((2, 3, 4), 1), ((2, 3, 4), -1), ((4, 4), 0), ((1, 6), 0)],
    ids=["axis0", "axis1", "3d-axis1", "3d-axis-1", "square-axis0", "one-channel"],
)
def test_per_channel_quantize_matches_the_formula_and_torch(shape, axis, device):
    gen = torch.Generator().manual_seed(sum(shape) * 7 + axis)
    scale, zero_point = random_qparams(gen, shape[axis], device)
    x = tie_free(gen, shape, scale, zero_point, axis).to(device)
    what = f"quantize(x, scale, zero_point, axis={axis}) for x of shape {shape}"
    q = call_per_channel("quantize", x, scale, zero_point, axis, what=what)
    check_quantized(
        q,
        x,
        scale,
        zero_point,
        axis,
        what,
        f"scale[c] and zero_point[c] belong to index c along dimension {axis}: reshape them "
        f"to broadcast along that dimension (a (C,) tensor broadcasts along the LAST one).",
    )
    x_hat = call_per_channel(
        "dequantize", q, scale, zero_point, axis, what=f"dequantize(q, scale, zero_point, {axis})"
    )
    expected = torch.fake_quantize_per_channel_affine(
        x, scale, zero_point, axis % len(shape), QMIN, QMAX
    )
    assert_tensor_close(
        x_hat,
        expected,
        what=f"dequantize(q, scale, zero_point, axis={axis}) against "
        f"torch.fake_quantize_per_channel_affine for shape {shape}",
        mistake=f"per channel along dimension {axis}: (q - zero_point[c]) * scale[c].",
    )


@pytest.mark.task(2)
def test_ties_round_to_even(device):
    scale = torch.tensor(0.25, device=device)  # a power of two: x / scale is exact
    zero_point = torch.tensor(0, dtype=torch.int32, device=device)
    x = torch.tensor([0.125, 0.375, 0.625, -0.125, -0.375, -0.625], device=device)
    q = kata.quantize(x, scale, zero_point)
    expected = torch.tensor([0, 2, 2, 0, -2, -2], dtype=torch.int8, device=device)
    assert_tensor_close(
        q,
        expected,
        what="quantize(x, 0.25, 0) for x / scale = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5]",
        rtol=0,
        atol=0,
        mistake="ties must go to the even integer, as torch.round does; floor(x / scale + 0.5) "
        "rounds every tie up.",
    )


@pytest.mark.task(2)
def test_values_out_of_range_saturate(device):
    scale = torch.tensor(0.1, device=device)
    for zp in (0, -128, 100):
        zero_point = torch.tensor(zp, dtype=torch.int32, device=device)
        x = torch.tensor([-1000.0, -30.0, -13.0, 13.0, 30.0, 1000.0], device=device)
        q = kata.quantize(x, scale, zero_point)
        check_quantized(
            q,
            x,
            scale,
            zero_point,
            None,
            f"quantize(x, 0.1, {zp}) for x = {x.tolist()}",
            "values beyond the range must saturate at -128 / 127: clamp.",
        )


def rounding_blame(x, x_hat, scale, zero_point, axis):
    """Which wrong rounding gives x_hat: truncation and floor are rebuilt and compared."""
    s = along(scale, axis, x.dim())
    z = along(zero_point, axis, x.dim()).float()
    for name, fn in [("truncating (.to(int8))", torch.trunc), ("flooring", torch.floor)]:
        # .to(int8) truncates whatever it is given: x / scale alone, or x / scale + zero_point
        for q in (torch.clamp(fn(x / s) + z, -128, 127), torch.clamp(fn(x / s + z), -128, 127)):
            if torch.allclose(x_hat.float(), (q - z) * s, rtol=1e-5, atol=1e-6):
                return f"{name} instead of rounding (torch.round)."
    return (
        "quantize does not round x / scale to the nearest integer (truncating or flooring "
        "it, where neither rebuilt version matches), or dequantize is not (q - zero_point) "
        "* scale."
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("symmetric", [False, True], ids=["asymmetric", "symmetric"])
def test_round_trip_error_is_at_most_half_a_step(symmetric, device):
    gen = torch.Generator().manual_seed(7 + symmetric)
    for trial in range(6):
        shape = [(50,), (8, 16), (4, 5, 6)][trial % 3]
        x = random_tensor(gen, shape, device)
        axis = None if trial < 3 else 0
        scale, zero_point = ref_qparams(x, symmetric, axis)
        what = f"dequantize(quantize(x, scale, zero_point, axis={axis})) for x of shape {shape}"
        x_hat = kata.dequantize(kata.quantize(x, scale, zero_point, axis), scale, zero_point, axis)
        half = along(scale, axis, x.dim()) / 2
        err = (x_hat.float() - x) / half
        # the largest |x| of a symmetric range sits exactly half a step beyond 127: allow 1e-4
        if not (err.abs() <= 1 + 1e-4).all():
            worst = int(err.abs().flatten().argmax())
            raise AssertionError(
                f"{what}: element {worst} is off by {err.abs().flatten()[worst].item():.3f} "
                f"half-steps (x = {x.flatten()[worst].item():.6g}, got "
                f"{x_hat.flatten()[worst].item():.6g}); at most one half-step (scale / 2) "
                f"inside the range. Likely mistake: "
                + rounding_blame(x, x_hat, scale, zero_point, axis)
            )


@pytest.mark.task(2)
def test_dequantize_does_not_overflow_int8(device):
    scale = torch.tensor(0.5, device=device)
    q = torch.tensor([127, -128, 0, 5], dtype=torch.int8, device=device)
    for zp in (-128, 127):
        zero_point = torch.tensor(zp, dtype=torch.int32, device=device)
        got = kata.dequantize(q, scale, zero_point)
        assert_tensor_close(
            got,
            ref_dequantize(q, scale, zero_point),
            what=f"dequantize(q={q.tolist()}, scale=0.5, zero_point={zp})",
            mistake="q - zero_point overflowed int8 (127 - (-128) = 255 wraps to -1): a 0-d "
            "zero_point does not promote an int8 tensor; convert q to float32 first.",
        )


@pytest.mark.task(2)
def test_quantize_computes_in_float32_and_leaves_inputs_untouched(device):
    gen = torch.Generator().manual_seed(11)
    for axis in (None, 0):
        scale, zero_point = random_qparams(gen, 5, device)
        if axis is None:
            scale, zero_point = scale[0], zero_point[0]
        x = tie_free(gen, (5, 9), scale, zero_point, axis=axis).to(device)
        for dtype in (torch.bfloat16, torch.float16):
            xd = x.to(dtype).T.contiguous().T  # strides (1, 5): not contiguous
            before = xd.clone()
            what = f"quantize(x, scale, zero_point, axis={axis}) for a {dtype} x of shape (5, 9)"
            q = kata.quantize(xd, scale, zero_point, axis)
            check_quantized(
                q,
                xd,
                scale,
                zero_point,
                axis,
                what,
                f"compute in float32: x / scale in {dtype} (a 0-d float32 scale does not "
                f"promote it) loses the digits that decide the rounding; use x.float() / scale.",
            )
            if not torch.equal(xd, before):
                raise AssertionError(f"{what} changed the caller's x (quantize it, not in place).")
            q_before = q.clone()
            x_hat = kata.dequantize(q, scale, zero_point, axis)
            assert_tensor_close(
                x_hat,
                ref_dequantize(q, scale, zero_point, axis),
                what=f"dequantize(q, scale, zero_point, axis={axis})",
            )
            if not torch.equal(q, q_before):
                raise AssertionError(f"dequantize(q, ..., axis={axis}) changed the caller's q.")


# ----------------------------------------------------------------------------- task 3


class Net(nn.Module):
    """Conv2d, BatchNorm (buffers), LayerNorm (a 1-D weight) and Linears, one nested."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
        self.norm = nn.LayerNorm(288)
        self.head = nn.Sequential(nn.Linear(288, 256), nn.ReLU(), nn.Linear(256, 10, bias=False))

    def forward(self, x):
        return self.head(self.norm(self.features(x).flatten(1)))


QUANTIZED = ["features.0.weight", "head.0.weight", "head.2.weight"]


def make_net(device, seed):
    torch.manual_seed(seed)
    net = Net()
    with torch.no_grad():  # non-trivial buffers and norms, rows of different sizes
        net.features[1].running_mean.uniform_(-1, 1)
        net.features[1].running_var.uniform_(0.5, 2)
        net.features[1].num_batches_tracked.fill_(3)
        net.norm.weight.uniform_(0.5, 1.5)
        net.head[0].weight.mul_(torch.logspace(-3, 1, 256).unsqueeze(1))
    return net.to(device).eval()


def check_state_layout(state, net, what):
    __tracebackhide__ = True
    if not isinstance(state, dict):
        raise AssertionError(f"{what} returned {type(state).__name__}; expected a dict.")
    original = net.state_dict()
    expected_keys = set(original) | {k + "_scale" for k in QUANTIZED}
    extra = sorted(set(state) - expected_keys)
    if any(k.endswith("bias_scale") for k in extra):
        raise AssertionError(
            f"{what} returned scales {extra}: it quantized biases. Likely mistake: quantizing "
            f"the bias; biases stay float32 (only the weights of Linear and Conv2d are int8)."
        )
    if extra and all(k.endswith("_scale") for k in extra):
        raise AssertionError(
            f"{what} returned scales {extra} for weights that are not a Linear's or a "
            f"Conv2d's (a norm layer's weight). Likely mistake: quantizing every key ending in "
            f"'weight'; only Linear and Conv2d weights are quantized, the rest is kept."
        )
    if set(state) != expected_keys:
        raise AssertionError(
            f"{what} returned keys {sorted(set(state) - expected_keys)} too many and "
            f"{sorted(expected_keys - set(state))} missing; expected the state_dict's keys plus "
            f"'<name>_scale' for {QUANTIZED}."
        )
    for name in QUANTIZED:
        if state[name].dtype != torch.int8:
            raise AssertionError(
                f"{what}: {name} is {state[name].dtype}; expected int8 (a Linear/Conv2d weight)."
            )
    for name, value in original.items():
        if name in QUANTIZED:
            continue
        got = state[name]
        if got.dtype != value.dtype or not torch.equal(got, value):
            raise AssertionError(
                f"{what}: {name} is {got.dtype} with different values; it must be kept exactly "
                f"({value.dtype}). Likely mistake: "
                + (
                    "quantizing the bias: biases stay float32."
                    if name.endswith("bias")
                    else "only Linear and Conv2d weights are quantized; a norm's weight or a "
                    "buffer is kept."
                )
            )


@pytest.mark.task(3)
def test_state_holds_int8_weights_scales_and_the_rest_unchanged(device):
    net = make_net(device, 0)
    state = kata.quantize_state_dict(net)
    check_state_layout(state, net, "quantize_state_dict(net)")
    for name in QUANTIZED:
        w = net.state_dict()[name]
        scale, zero_point = ref_qparams(w, symmetric=True, axis=0)
        assert_tensor_close(
            state[name + "_scale"],
            scale,
            what=f"quantize_state_dict(net)['{name}_scale'] for a weight of shape {tuple(w.shape)}",
            mistake="per output channel (axis 0), symmetric: max|w[c]| / 127.5, one per row.",
        )
        assert_tensor_close(
            state[name],
            ref_quantize(w, scale, zero_point, 0),
            what=f"quantize_state_dict(net)['{name}']",
            rtol=0,
            atol=0,
            mistake="quantize(w, scale, zero_point, axis=0) with the symmetric per-channel "
            "parameters.",
        )


@pytest.mark.task(3)
def test_state_is_at_least_3_5_times_smaller(device):
    net = make_net(device, 1)
    state = kata.quantize_state_dict(net)
    full, small = state_bytes(net.state_dict()), state_bytes(state)
    if not small * 3.5 <= full:
        kinds = {k: str(v.dtype) for k, v in state.items() if k in QUANTIZED}
        raise AssertionError(
            f"quantize_state_dict(net) holds {small} bytes of tensors, the float state_dict "
            f"{full}: only {full / small:.2f}x smaller, expected at least 3.5x (int8 is a "
            f"quarter of float32). Weights are stored as {kinds}. Likely mistake: the rounded "
            f"weights kept as float or int64 instead of .to(torch.int8)."
        )


@pytest.mark.task(3)
def test_model_is_untouched_and_shares_no_memory(device):
    net = make_net(device, 2)
    before = snapshot(net)
    state = kata.quantize_state_dict(net)
    check_untouched(
        net,
        before,
        "quantize_state_dict(net)",
        "quantizing the model's own weights in place; build new tensors.",
    )
    pointers = {p.untyped_storage().data_ptr() for p in net.state_dict().values()}
    for name, value in state.items():
        if value.untyped_storage().data_ptr() in pointers:
            raise AssertionError(
                f"quantize_state_dict(net)['{name}'] shares memory with the model: a later "
                f"training step would change the saved state too. Likely mistake: "
                f"state_dict() tensors are views of the parameters; .clone() what you keep."
            )
        if value.requires_grad or value.device.type != device.type:
            raise AssertionError(
                f"quantize_state_dict(net)['{name}'] requires grad or is on {value.device}; "
                f"expected detached tensors on the model's device."
            )


@pytest.mark.task(3)
def test_round_trip_loads_into_a_fresh_model_within_half_a_step(device):
    net = make_net(device, 3)
    state = kata.quantize_state_dict(net)
    kept = {k: v.clone() for k, v in state.items()}
    restored = kata.dequantize_state_dict(state)
    for name, value in kept.items():
        if not torch.equal(state[name], value):
            raise AssertionError(f"dequantize_state_dict changed the caller's state ({name}).")
    fresh = make_net(device, 99)
    try:
        fresh.load_state_dict(restored)
    except RuntimeError as err:
        if isinstance(err, NotImplementedError):
            raise
        raise AssertionError(
            f"fresh_model.load_state_dict(dequantize_state_dict(state)) failed: "
            f"{str(err).splitlines()[0]}. Likely mistake: the '_scale' entries left in, or a "
            f"key renamed."
        ) from err
    for name in QUANTIZED:
        w, got = net.state_dict()[name], fresh.state_dict()[name]
        if got.dtype != torch.float32:
            raise AssertionError(f"dequantize_state_dict gave {name} as {got.dtype}, not float32.")
        rows = w.flatten(1).abs().amax(1)  # the row's own half-step: max|w[c]| / 255
        err = (got - w).flatten(1).abs().amax(1)
        if not (err <= rows / 255 * (1 + 1e-4) + 1e-12).all():
            c = int((err / (rows / 255)).argmax())
            raise AssertionError(
                f"{name} after the round trip: row {c} (max |w| {rows[c].item():.3g}) is off by "
                f"{err[c].item():.3g}, more than half of its own step "
                f"{rows[c].item() / 127.5:.3g}. "
                f"Likely mistake: one scale for the whole tensor instead of per channel, so "
                f"small rows are rounded with the large rows' step; or the weights truncated "
                f"instead of rounded."
            )
    x = torch.randn(4, 3, 8, 8, generator=torch.Generator().manual_seed(3)).to(device)
    with torch.no_grad():
        check_close_to_float(fresh(x), net(x), "the model loaded from the round trip")


# ----------------------------------------------------------------------------- task 4


def make_mlp(device, seed, dropout=0.3):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Dropout(dropout), nn.Linear(256, 64)).to(
        device
    )


def dynamic_reference(model, x):
    """int8 per token (symmetric) for activations, per row (symmetric) for weights."""
    return run_int8(
        model.eval(),
        x,
        act=lambda a: fake_quant(a, -1, symmetric=True),
        weight=lambda w: fake_quant(w, 1, symmetric=True),
    )


def reference_tolerance(expected):
    return {"rtol": 1e-4, "atol": 1e-4 * expected.abs().max().item() + 1e-6}


@pytest.mark.task(4)
def test_dynamic_model_computes_int8_per_token_and_stays_close(device):
    gen = torch.Generator().manual_seed(4)
    model = make_mlp(device, 4)
    reference = copy.deepcopy(model)
    quantized = call_torchao("quantize_dynamic_int8", model)
    for trial in range(3):
        x = (torch.randn(32, 64, generator=gen) * (trial + 1)).to(device)
        with torch.no_grad():
            got = quantized(x)
            again = quantized(x)
        if not torch.equal(got, again):
            raise AssertionError(
                "quantize_dynamic_int8(model) gave different outputs for the same input twice: "
                "dropout is still active. Likely mistake: the copy was not put in eval mode."
            )
        expected = dynamic_reference(reference, x)
        assert_tensor_close(
            got,
            expected,
            what=f"quantize_dynamic_int8(model)(x) for x of shape {tuple(x.shape)}, against an "
            "int8 reference (activations per token, weights per row, both symmetric)",
            mistake="activations left in float (a weight-only config), another granularity, or "
            "the model not in eval mode.",
            **reference_tolerance(expected),
        )
        with torch.no_grad():
            check_close_to_float(got, reference.eval()(x), "quantize_dynamic_int8(model)(x)")


@pytest.mark.task(4)
def test_dynamic_returns_an_eval_copy_and_leaves_the_caller_alone(device):
    model = make_mlp(device, 5).train()
    before = snapshot(model)
    quantized = call_torchao("quantize_dynamic_int8", model)
    check_untouched(
        model,
        before,
        "quantize_dynamic_int8(model)",
        "torchao's quantize_ replaces weights in place: call it on copy.deepcopy(model).",
    )
    if quantized is model:
        raise AssertionError(
            "quantize_dynamic_int8(model) returned the caller's model itself; expected a copy."
        )
    if any(m.training for m in quantized.modules()):
        raise AssertionError(
            "quantize_dynamic_int8(model) returned a model in train mode; expected eval mode "
            "(dropout off): call .eval() on the copy."
        )


@pytest.mark.task(4)
def test_dynamic_state_is_smaller(device):
    model = make_mlp(device, 6)
    quantized = call_torchao("quantize_dynamic_int8", model)
    full, small = saved_bytes(model), saved_bytes(quantized)
    if not small <= 0.35 * full:
        raise AssertionError(
            f"torch.save(quantize_dynamic_int8(model).state_dict()) is {small} bytes, the float "
            f"model's {full}: expected at most 35%. Likely mistake: the Linear weights were "
            f"not quantized (quantize_ not called, or called on another object)."
        )


@pytest.mark.task(4)
# the legacy path warns twice, and the comparison is the point of this test: its
# DeprecationWarning for torch.ao.quantization and the UserWarning of torch.quantize_per_tensor
@pytest.mark.filterwarnings("ignore:torch.ao.quantization is deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:torch.quantize_per_tensor, torch.quantize_per_channel")
def test_dynamic_is_at_least_as_close_as_the_legacy_quantize_dynamic(device):
    from torch.ao.quantization import quantize_dynamic  # legacy, CPU only

    model = make_mlp(device, 7).eval()
    x = torch.randn(32, 64, generator=torch.Generator().manual_seed(7)).to(device)
    quantized = call_torchao("quantize_dynamic_int8", model)
    legacy = quantize_dynamic(copy.deepcopy(model).cpu(), {nn.Linear}, dtype=torch.qint8)
    with torch.no_grad():
        exact = model(x).cpu()
        ours = (quantized(x).cpu() - exact).abs().max().item()
        theirs = (legacy(x.cpu()) - exact).abs().max().item()
    if not ours <= 1.5 * theirs:
        raise AssertionError(
            f"quantize_dynamic_int8(model) is off by {ours:.4g} from the float model, the legacy "
            f"torch.ao.quantization.quantize_dynamic (per-tensor weights) by {theirs:.4g}: "
            f"torchao's per-row int8 should be at least as close. Likely mistake: a coarser "
            f"config, or dropout left on."
        )


# ----------------------------------------------------------------------------- task 5


def make_static_mlp(device, seed, dropout=0.5):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(16, 48), nn.ReLU(), nn.Dropout(dropout), nn.Linear(48, 8)).to(
        device
    )


def calibrated_absmax(model, batches, stat=lambda a: a.abs().max().item()):
    """What calibration should record: max |input| per Linear over all batches, in eval mode.

    `stat` replaces max |input| to rebuild a wrong calibration (static_blame).
    """
    model = copy.deepcopy(model).eval()
    largest = {}
    for name, module in model.named_children():
        if isinstance(module, nn.Linear):
            module.register_forward_pre_hook(
                lambda m, args, name=name: largest.__setitem__(
                    name, max(largest.get(name, 0.0), stat(args[0]))
                )
            )
    with torch.no_grad():
        for batch in batches:
            model(batch)
    return largest


def static_reference(model, batches, x, stat=None):
    largest = calibrated_absmax(model, batches, *([stat] if stat else []))
    out = x
    with torch.no_grad():
        for name, module in copy.deepcopy(model).eval().named_children():
            if isinstance(module, nn.Linear):
                scale = torch.clamp(torch.tensor(largest[name] / 127.5), min=EPS).to(x.device)
                out = int8_linear(
                    out,
                    module,
                    act=lambda a, s=scale: fake_quant_with(a, s, 0.0),
                    weight=lambda w: fake_quant(w, None, symmetric=True),
                )
            else:
                out = module(out)
    return out


def calibration_batches(device, seed, sizes=(1.0, 4.0, 2.0)):
    """Batches of different spreads: the largest |x| comes from the middle one."""
    gen = torch.Generator().manual_seed(seed)
    return [(torch.randn(20, 16, generator=gen) * s).to(device) for s in sizes]


def static_blame(got, model, batches, x, fallback):
    """Rebuild the wrong calibrations the test can compute; name one only when `got` matches it.

    `fallback` is said when none matches (a cause the test cannot rebuild, such as train mode).
    """
    expected = static_reference(model, batches, x)
    tolerance = reference_tolerance(expected)
    candidates = [
        (
            lambda: static_reference(model, batches[:1], x),
            "the range was taken from one batch "
            "only (the first); record the running max of |x| over every batch.",
        ),
        (
            lambda: static_reference(model, batches[-1:], x),
            "the range was taken from one batch "
            "only (the last); record the running max of |x| over every batch.",
        ),
        (
            lambda: static_reference(model, batches, x, stat=lambda a: a.max().item()),
            "the scale "
            "came from x.max(); symmetric int8 needs the largest |x| (x.abs().max()), or the "
            "negative values are clipped.",
        ),
    ]
    for build, why in candidates:
        value = build()
        if torch.allclose(value, expected, **tolerance):
            continue  # this wrong calibration gives the right answer here: it tells nothing
        if got.shape == value.shape and torch.allclose(got, value, **tolerance):
            return why
    return fallback


def check_static(got, expected, what, mistake):
    __tracebackhide__ = True
    assert_tensor_close(got, expected, what=what, mistake=mistake, **reference_tolerance(expected))


STATIC_MISTAKES = (
    "a calibration that misses part of the data: every batch counts (the largest |x| over "
    "all of them), in eval mode (dropout scales activations in train mode), from |x| (not "
    "the max of x); scale = max|x| / 127.5."
)


@pytest.mark.task(5)
def test_static_model_uses_the_calibrated_scales(device):
    model = make_static_mlp(device, 50)
    batches = calibration_batches(device, 50)
    quantized = call_torchao("quantize_static_int8", model, batches)
    x = torch.randn(12, 16, generator=torch.Generator().manual_seed(51)).to(device) * 2
    for i, data in enumerate([*batches, x]):
        with torch.no_grad():
            got = quantized(data)
        check_static(
            got,
            static_reference(model, batches, data),
            what=f"quantize_static_int8(model, 3 batches)(batch {i}) for shape "
            f"{tuple(data.shape)}, against an int8 reference with the calibrated scales",
            mistake=static_blame(got, model, batches, data, STATIC_MISTAKES),
        )


@pytest.mark.task(5)
def test_every_calibration_batch_counts(device):
    model = make_static_mlp(device, 52, dropout=0.0)
    batches = calibration_batches(device, 52, sizes=(1.0, 5.0, 2.0))
    quantized = call_torchao("quantize_static_int8", model, batches)
    x = batches[1]
    with torch.no_grad():
        got = quantized(x)
    check_static(
        got,
        static_reference(model, batches, x),
        what="quantize_static_int8(model, batches of spread 1, 5, 2)(the spread-5 batch)",
        mistake=static_blame(got, model, batches, x, STATIC_MISTAKES),
    )


@pytest.mark.task(5)
def test_calibration_runs_in_eval_mode(device):
    model = make_static_mlp(device, 53, dropout=0.5).train()
    batches = calibration_batches(device, 53, sizes=(2.0,))
    quantized = call_torchao("quantize_static_int8", model, batches)
    with torch.no_grad():
        got = quantized(batches[0])
    check_static(
        got,
        static_reference(model, batches, batches[0]),
        what="quantize_static_int8(model in train mode with Dropout(0.5), one batch)",
        mistake=static_blame(
            got,
            model,
            batches,
            batches[0],
            "calibration ran in train mode (no rebuilt wrong calibration - one batch, x.max() "
            "- matches): dropout zeroes half the activations and doubles the rest, so the "
            "recorded range is wrong. Call eval() on the copy first.",
        ),
    )


@pytest.mark.task(5)
def test_calibration_uses_the_largest_absolute_value(device):
    model = make_static_mlp(device, 54, dropout=0.0)
    gen = torch.Generator().manual_seed(54)
    # mostly negative inputs: their largest |x| is on the negative side
    batches = [(-torch.rand(20, 16, generator=gen) * 6 + 1).to(device) for _ in range(2)]
    quantized = call_torchao("quantize_static_int8", model, batches)
    with torch.no_grad():
        got = quantized(batches[0])
    check_static(
        got,
        static_reference(model, batches, batches[0]),
        what="quantize_static_int8(model, mostly negative batches)",
        mistake=static_blame(got, model, batches, batches[0], STATIC_MISTAKES),
    )


@pytest.mark.task(5)
def test_inputs_beyond_the_calibrated_range_saturate(device):
    model = make_static_mlp(device, 55, dropout=0.0)
    batches = calibration_batches(device, 55, sizes=(1.0,))
    quantized = call_torchao("quantize_static_int8", model, batches)
    x = torch.randn(12, 16, generator=torch.Generator().manual_seed(56)).to(device) * 10
    with torch.no_grad():
        got = quantized(x)
        exact = model.eval()(x)
    expected = static_reference(model, batches, x)
    if (got - exact).abs().max() < 0.5 * (expected - exact).abs().max():
        raise AssertionError(
            "quantize_static_int8(model, calibration of spread 1)(x of spread 10) is close to the "
            "float model: the inputs beyond the calibrated range did not saturate. Static "
            "quantization fixes the scale at calibration; this looks dynamic (a scale from "
            "each batch). Likely mistake: a dynamic config instead of "
            "Int8StaticActivationInt8WeightConfig(act_quant_scale=...)."
        )
    check_static(
        got,
        expected,
        what="the saturating static model",
        mistake=static_blame(got, model, batches, x, STATIC_MISTAKES),
    )


@pytest.mark.task(5)
def test_static_reads_a_generator_once_leaves_no_hooks_and_no_trace(device):
    model = make_static_mlp(device, 57, dropout=0.0).train()  # train flag kept, no dropout noise
    before = snapshot(model)
    batches = calibration_batches(device, 57)
    quantized = call_torchao("quantize_static_int8", model, (b for b in batches))
    check_untouched(
        model,
        before,
        "quantize_static_int8(model, batches)",
        "calibrating or quantizing the caller's model instead of a deep copy.",
    )
    for name, module in [*quantized.named_modules(), *model.named_modules()]:
        if module._forward_pre_hooks or module._forward_hooks:
            raise AssertionError(
                f"after quantize_static_int8, module '{name}' still has a calibration hook: "
                f"it would keep recording in every later forward. Likely mistake: the handles "
                f"from register_forward_pre_hook were not removed (handle.remove())."
            )
    if quantized is model or any(m.training for m in quantized.modules()):
        raise AssertionError(
            "quantize_static_int8 must return a new model in eval mode (a copy, .eval())."
        )
    x = batches[1]
    with torch.no_grad():
        got = quantized(x)
    check_static(
        got,
        static_reference(model, batches, x),
        what="quantize_static_int8(model, (b for b in batches)): calibration from a generator",
        mistake=static_blame(
            got,
            model,
            batches,
            x,
            "the generator was read twice (the second pass sees nothing; the other tests pass "
            "a list), or " + STATIC_MISTAKES,
        ),
    )


@pytest.mark.task(5)
def test_empty_calibration_raises_value_error(device):
    model = make_static_mlp(device, 58)
    for label, empty in [("[]", []), ("an empty generator", (b for b in []))]:
        try:
            call_torchao("quantize_static_int8", model, empty)
        except ValueError:
            continue
        except NotImplementedError:
            raise
        except Exception as err:
            raise AssertionError(
                f"quantize_static_int8(model, {label}) raised {type(err).__name__}: {err}; "
                f"expected ValueError (no batch, no range to calibrate)."
            ) from err
        raise AssertionError(
            f"quantize_static_int8(model, {label}) raised nothing; expected ValueError: without "
            f"a batch there is no range to calibrate."
        )


# ----------------------------------------------------------------------------- task 6


def make_qat_mlp(device, seed):
    """in_features 64 > 32: per channel differs from torchao's default groups of 32."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 16)).to(device)


def qat_reference(model, x):
    """Activations per token, asymmetric; weights per output channel, symmetric."""
    return run_int8(
        model,
        x,
        act=lambda a: fake_quant(a, -1, symmetric=False),
        weight=lambda w: fake_quant(w, 1, symmetric=True),
    )


def float_linears(prepared):
    weights = [m.weight for m in prepared.modules() if isinstance(m, nn.Linear)]
    return weights


def qat_data(device, seed):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(24, 64, generator=gen).to(device)
    y = torch.randn(24, 16, generator=gen).to(device)
    return x, y


@pytest.mark.task(6)
def test_prepared_model_simulates_int8(device):
    model = make_qat_mlp(device, 60)
    prepared = call_torchao("prepare_qat", model)
    gen = torch.Generator().manual_seed(60)
    for trial in range(2):
        x = (torch.randn(24, 64, generator=gen) + trial).to(device)
        with torch.no_grad():
            got = prepared(x)
        expected = qat_reference(model, x)
        assert_tensor_close(
            got,
            expected,
            what=f"prepare_qat(model)(x) for x of shape {tuple(x.shape)}, against an int8 "
            "reference (inputs per token, asymmetric; weights per output channel, symmetric)",
            mistake="weights fake-quantized per group of 32 (Int8DynamicActivationIntxWeightConfig"
            "'s default) instead of per output channel (weight_granularity=PerAxis(0)), or "
            "no fake quantization at all.",
            **reference_tolerance(expected),
        )


@pytest.mark.task(6)
@pytest.mark.parametrize("mode", ["train", "eval"])
def test_prepare_returns_a_copy_keeping_the_training_flag(mode, device):
    model = make_qat_mlp(device, 61).train(mode == "train")
    before = snapshot(model)
    prepared = call_torchao("prepare_qat", model)
    check_untouched(
        model,
        before,
        "prepare_qat(model)",
        "quantize_(model, QATConfig(...)) swaps the caller's Linears in place: prepare a "
        "copy.deepcopy(model).",
    )
    if prepared is model:
        raise AssertionError("prepare_qat(model) returned the caller's model; expected a copy.")
    if prepared.training != (mode == "train"):
        raise AssertionError(
            f"prepare_qat(model in {mode} mode) returned a model in "
            f"{'train' if prepared.training else 'eval'} mode; the copy keeps the caller's flag."
        )


@pytest.mark.task(6)
def test_gradients_reach_the_float_weights_and_training_helps(device):
    model = make_qat_mlp(device, 62)
    prepared = call_torchao("prepare_qat", model).train()
    x, y = qat_data(device, 62)
    weights = float_linears(prepared)
    if not weights or not all(
        type(w) is nn.Parameter and w.dtype == torch.float32 and w.requires_grad for w in weights
    ):
        raise AssertionError(
            f"prepare_qat(model) has Linear weights of types {[type(w).__name__ for w in weights]}"
            f": QAT trains float Parameters (the rounding is simulated in forward). Likely "
            f"mistake: a post-training quantization config instead of QATConfig(..., "
            f"step='prepare')."
        )
    optimizer = torch.optim.SGD(prepared.parameters(), lr=0.05)
    losses = []
    for _ in range(15):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(prepared(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    if any(
        w.grad is None or not torch.isfinite(w.grad).all() or w.grad.abs().sum() == 0
        for w in weights
    ):
        raise AssertionError(
            "after backward through prepare_qat(model), a Linear weight has no (or a zero or "
            "non-finite) gradient: the straight-through estimator should pass it through."
        )
    if not losses[-1] < 0.9 * losses[0]:
        raise AssertionError(
            f"15 SGD steps on the prepared model took the loss from {losses[0]:.4g} to "
            f"{losses[-1]:.4g}; expected it to fall by at least 10%."
        )


@pytest.mark.task(6)
def test_converted_model_computes_what_training_simulated(device):
    model = make_qat_mlp(device, 63)
    prepared = call_torchao("prepare_qat", model).train()
    x, y = qat_data(device, 63)
    optimizer = torch.optim.SGD(prepared.parameters(), lr=0.05)
    for _ in range(3):
        optimizer.zero_grad()
        nn.functional.mse_loss(prepared(x), y).backward()
        optimizer.step()
    full = saved_bytes(prepared)
    prepared.eval()
    with torch.no_grad():
        simulated = prepared(x)
    converted = call_torchao("convert_qat", prepared)
    if converted is not prepared:
        raise AssertionError(
            "convert_qat(model) returned another object; it converts in place and returns "
            "the same model."
        )
    with torch.no_grad():
        got = converted(x)
    assert_tensor_close(
        got,
        simulated,
        what="convert_qat(prepared)(x) against the prepared model's eval output",
        mistake="convert applied another scheme than the one training simulated (e.g. "
        "Int8DynamicActivationInt8WeightConfig's symmetric activations): use QATConfig(base, "
        "step='convert') with prepare_qat's base config.",
        **reference_tolerance(simulated),
    )
    small = saved_bytes(converted)
    if not small <= 0.4 * full:
        raise AssertionError(
            f"torch.save(convert_qat(prepared).state_dict()) is {small} bytes, the prepared "
            f"model's {full}: expected at most 40%. Likely mistake: the weights were not "
            f"converted to int8 (QATConfig(..., step='convert') not applied)."
        )


@pytest.mark.task(6)
def test_convert_returns_the_model_in_eval_mode(device):
    prepared = call_torchao("prepare_qat", make_qat_mlp(device, 64).train())
    converted = call_torchao("convert_qat", prepared)
    if converted is not prepared:
        raise AssertionError("convert_qat(model) must return the same (converted) model object.")
    if any(m.training for m in converted.modules()):
        raise AssertionError(
            "convert_qat(model) returned a model in train mode; an int8 model is for "
            "inference: return model.eval()."
        )
