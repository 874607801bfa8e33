"""Tests for kata 21: conv2d from unfold + matmul, checked against F.conv2d forward and backward."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

FORBIDDEN = (
    "torch.nn.functional.conv2d",  # also torch.conv2d: the same function
    "torch.nn.functional.conv1d",
    "torch.nn.functional.conv3d",
    "torch.nn.functional.conv_transpose2d",
    "torch.convolution",
    "torch.nn.Conv2d.forward",
    "torch.nn.Conv2d._conv_forward",
)
TIGHT = {"rtol": 1e-10, "atol": 1e-10}
SETTING_MISTAKES = {
    "dilation": "F.unfold must get dilation= as well (the dilation too, not only kernel, "
    "padding and stride), or its patches are contiguous while the output size assumed a "
    "dilated kernel.",
    "layout": "the matmul (C_out, K) @ (N, K, L) is (N, C_out, L) and views straight as "
    "(N, C_out, H_out, W_out); a (N, L, C_out) product must be transposed first.",
    "non-square": "H_out comes from H with the height settings, W_out from W with the width "
    "settings: height and width are not interchangeable.",
    "bias": "the bias must broadcast over channels: bias[:, None] on (N, C_out, L) or "
    "bias[:, None, None] on (N, C_out, H, W); a bare + bias lines up with the width.",
}
CONV_MISTAKE = (
    "one of the settings differs from F.conv2d; test_each_setting_on_its_own names which "
    "(dilation, the (N, C_out, L) layout, height vs width, the bias)."
)
VIEW_MISTAKE = (
    ".view() on a tensor that is not contiguous (a transposed or sliced weight or input): "
    "use .reshape(), which copies only when it must."
)


def blame_runtime_error(err):
    """The likely causes of a RuntimeError raised by conv2d on legal inputs, from its text."""
    text = str(err)
    if "view size is not compatible" in text:
        return VIEW_MISTAKE
    if "leaf Variable that requires grad" in text:
        return (
            "an in-place op on an argument (unsqueeze_, add_, +=): autograd refuses it on a "
            "tensor that requires grad, and on any other it changes the caller's tensor. "
            "Work on new tensors (bias[:, None], weight.reshape(...))."
        )
    if "is invalid for input of size" in text:  # the final view does not fit unfold's L
        return (
            "the output size computed differently from the patches F.unfold made, so the "
            "final view does not fit: "
            + SETTING_MISTAKES["dilation"]
            + " Or: "
            + SETTING_MISTAKES["non-square"]
        )
    if "must match the size of tensor" in text:
        return SETTING_MISTAKES["bias"] + " Or: " + SETTING_MISTAKES["layout"]
    return (
        "conv2d should run on these legal arguments; one of: "
        + " Or: ".join(SETTING_MISTAKES.values())
        + " Or: "
        + VIEW_MISTAKE
    )


def call_conv(what, *args, **kwargs):
    """The learner's conv2d with every torch convolution switched off."""
    __tracebackhide__ = True
    try:
        with forbid(*FORBIDDEN, kata=kata):
            return kata.conv2d(*args, **kwargs)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: {blame_runtime_error(err)}"
        ) from err


def random_config(gen):
    """A random valid configuration: shapes and non-square stride/padding/dilation."""
    while True:

        def draw(lo, hi, k=1):
            v = torch.randint(lo, hi, (k,), generator=gen).tolist()
            return v[0] if k == 1 else tuple(v)

        cfg = {
            "n": draw(1, 3),
            "c_in": draw(1, 5),
            "c_out": draw(1, 5),
            "h": draw(3, 11),
            "w": draw(3, 11),
            "kernel": draw(1, 4, 2),
            "stride": draw(1, 4, 2),
            "padding": draw(0, 3, 2),
            "dilation": draw(1, 3, 2),
            "bias": bool(draw(0, 2)),
            "as_int": bool(draw(0, 3) == 0),
        }
        if cfg["as_int"]:  # the int form of the arguments, as F.conv2d accepts
            for key in ("stride", "padding", "dilation"):
                cfg[key] = cfg[key][0]
        sizes = [
            (s + 2 * p - d * (k - 1) - 1) // st + 1
            for s, k, st, p, d in zip(
                (cfg["h"], cfg["w"]),
                cfg["kernel"],
                *(
                    ((cfg[a],) * 2 if isinstance(cfg[a], int) else cfg[a])
                    for a in ("stride", "padding", "dilation")
                ),
                strict=True,
            )
        ]
        if min(sizes) >= 1:
            return cfg


def tensors(cfg, gen, device):
    x = torch.randn(cfg["n"], cfg["c_in"], cfg["h"], cfg["w"], generator=gen, dtype=torch.float64)
    w = torch.randn(cfg["c_out"], cfg["c_in"], *cfg["kernel"], generator=gen, dtype=torch.float64)
    b = torch.randn(cfg["c_out"], generator=gen, dtype=torch.float64) if cfg["bias"] else None
    return x.to(device), w.to(device), (b.to(device) if b is not None else None)


def describe(cfg):
    return (
        f"conv2d(x {(cfg['n'], cfg['c_in'], cfg['h'], cfg['w'])}, weight "
        f"{(cfg['c_out'], cfg['c_in'], *cfg['kernel'])}, bias={'yes' if cfg['bias'] else 'None'}, "
        f"stride={cfg['stride']}, padding={cfg['padding']}, dilation={cfg['dilation']})"
    )


def kwargs_of(cfg):
    return {k: cfg[k] for k in ("stride", "padding", "dilation")}


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_forward_equals_f_conv2d(seed, device):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(8):
        cfg = random_config(gen)
        x, w, b = tensors(cfg, gen, device)
        what = describe(cfg)
        got = call_conv(what, x, w, b, **kwargs_of(cfg))
        assert_tensor_close(
            got, F.conv2d(x, w, b, **kwargs_of(cfg)), what=what, mistake=CONV_MISTAKE, **TIGHT
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(3))
def test_backward_equals_f_conv2d(seed, device):
    gen = torch.Generator().manual_seed(100 + seed)
    for _ in range(5):
        cfg = random_config(gen)
        cfg["bias"] = True
        x, w, b = tensors(cfg, gen, device)
        what = describe(cfg)
        leaves = [t.clone().requires_grad_(True) for t in (x, w, b)]
        got = call_conv(what, *leaves, **kwargs_of(cfg))
        upstream = torch.randn(got.shape, generator=gen, dtype=torch.float64).to(device)
        got_grads = torch.autograd.grad(got, leaves, upstream)
        refs = [t.clone().requires_grad_(True) for t in (x, w, b)]
        exp_grads = torch.autograd.grad(F.conv2d(*refs, **kwargs_of(cfg)), refs, upstream)
        for name, g, e in zip(("x", "weight", "bias"), got_grads, exp_grads, strict=True):
            assert_tensor_close(
                g, e, what=f"the gradient w.r.t. {name} of {what}", mistake=CONV_MISTAKE, **TIGHT
            )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "setting,x_shape,w_shape,bias,kwargs",
    [
        ("layout", (2, 3, 6, 6), (5, 3, 3, 3), False, {}),
        ("dilation", (1, 2, 9, 9), (2, 2, 3, 3), False, {"dilation": 2}),
        ("non-square", (1, 2, 5, 11), (3, 2, 3, 2), False, {"stride": (1, 2), "padding": (2, 0)}),
        ("bias", (2, 2, 6, 6), (4, 2, 3, 3), True, {}),  # W_out == C_out: a silent broadcast
    ],
)
def test_each_setting_on_its_own(setting, x_shape, w_shape, bias, kwargs, device):
    gen = torch.Generator().manual_seed(9)
    x = torch.randn(x_shape, generator=gen, dtype=torch.float64).to(device)
    w = torch.randn(w_shape, generator=gen, dtype=torch.float64).to(device)
    b = torch.randn(w_shape[0], generator=gen, dtype=torch.float64).to(device) if bias else None
    what = f"conv2d(x {x_shape}, weight {w_shape}, bias={'yes' if bias else 'None'}, {kwargs})"
    got = call_conv(what, x, w, b, **kwargs)
    assert_tensor_close(
        got, F.conv2d(x, w, b, **kwargs), what=what, mistake=SETTING_MISTAKES[setting], **TIGHT
    )


@pytest.mark.task(1)
def test_edge_cases(device):
    gen = torch.Generator().manual_seed(7)
    cases = [
        ((1, 1, 1, 1), (1, 1, 1, 1), {}),  # a single pixel, a 1x1 kernel
        ((2, 3, 5, 5), (4, 3, 5, 5), {}),  # the kernel covers the whole input
        ((3, 1, 5, 6), (2, 1, 5, 6), {"stride": 2}),  # non-square kernel equal to the input
        ((1, 2, 4, 4), (3, 2, 2, 2), {"dilation": 3}),  # the dilated kernel spans the input
        ((1, 2, 4, 9), (3, 2, 1, 1), {"stride": 2}),  # 1x1 conv = per-pixel linear map
        ((1, 1, 3, 3), (2, 1, 1, 1), {"stride": 5}),  # stride larger than the input: 1x1 out
        ((1, 2, 3, 3), (2, 2, 3, 3), {"padding": 2}),  # padding larger than the output
        ((1, 1, 3, 3), (1, 1, 5, 5), {"padding": 1}),  # exactly one output pixel (a bound)
        ((2, 2, 7, 4), (3, 2, 2, 2), {"stride": (3, 1), "dilation": (1, 2)}),
        ((1, 1, 2, 7), (2, 1, 2, 3), {"stride": (1, 4), "padding": (1, 2), "dilation": (1, 2)}),
    ]
    for x_shape, w_shape, kw in cases:
        x = torch.randn(x_shape, generator=gen, dtype=torch.float64).to(device)
        w = torch.randn(w_shape, generator=gen, dtype=torch.float64).to(device)
        b = torch.randn(w_shape[0], generator=gen, dtype=torch.float64).to(device)
        what = f"conv2d(x {x_shape}, weight {w_shape}, bias, {kw})"
        assert_tensor_close(
            call_conv(what, x, w, b, **kw),
            F.conv2d(x, w, b, **kw),
            what=what,
            mistake=CONV_MISTAKE,
            **TIGHT,
        )


@pytest.mark.task(1)
def test_non_contiguous_and_float32_input(device):
    gen = torch.Generator().manual_seed(8)
    x = torch.randn(2, 3, 9, 6, generator=gen).to(device).transpose(2, 3)  # (2, 3, 6, 9) view
    w = torch.randn(4, 3, 3, 2, generator=gen).to(device)
    what = "conv2d(x transposed to (2, 3, 6, 9), float32 weight (4, 3, 3, 2), padding=1)"
    got = call_conv(what, x, w, None, padding=1)
    # the oracle in float64: on CUDA, a float32 F.conv2d may use TF32 and be the less exact one
    expected = F.conv2d(x.double(), w.double(), padding=1).float()
    assert_tensor_close(got, expected, what=what, mistake=CONV_MISTAKE)


@pytest.mark.task(1)
def test_non_contiguous_weight_bias_and_sliced_input(device):
    gen = torch.Generator().manual_seed(12)
    cases = {
        "a transposed weight": (
            torch.randn(2, 3, 7, 8, generator=gen, dtype=torch.float64),
            torch.randn(4, 3, 2, 3, generator=gen, dtype=torch.float64).transpose(2, 3),
            torch.randn(4, generator=gen, dtype=torch.float64),
        ),
        "a weight sliced along C_in and a channel-sliced x": (
            torch.randn(2, 6, 7, 8, generator=gen, dtype=torch.float64)[:, ::2],
            torch.randn(4, 6, 3, 3, generator=gen, dtype=torch.float64)[:, 1::2],
            torch.randn(4, generator=gen, dtype=torch.float64),
        ),
        "an expanded bias and a weight with output channels last": (
            torch.randn(1, 2, 5, 5, generator=gen, dtype=torch.float64),
            torch.randn(2, 3, 3, 4, generator=gen, dtype=torch.float64).permute(3, 0, 1, 2),
            torch.randn(1, generator=gen, dtype=torch.float64).expand(4),
        ),
    }
    for name, (x, w, b) in cases.items():
        x, w, b = x.to(device), w.to(device), b.to(device)
        what = f"conv2d(x {tuple(x.shape)}, weight {tuple(w.shape)}, bias) with {name}"
        assert_tensor_close(
            call_conv(what, x, w, b, padding=1),
            F.conv2d(x, w, b, padding=1),
            what=what,
            mistake=CONV_MISTAKE,
            **TIGHT,
        )


@pytest.mark.task(1)
def test_inputs_are_not_modified(device):
    gen = torch.Generator().manual_seed(13)
    x = torch.randn(2, 3, 6, 5, generator=gen, dtype=torch.float64).to(device)
    w = torch.randn(4, 3, 3, 3, generator=gen, dtype=torch.float64).to(device)
    b = torch.randn(4, generator=gen, dtype=torch.float64).to(device)
    kept = {
        name: (t.clone(), t.shape, t.stride()) for name, t in (("x", x), ("weight", w), ("bias", b))
    }
    what = "conv2d(x (2, 3, 6, 5), weight (4, 3, 3, 3), bias (4,), stride=2, padding=1)"
    call_conv(what, x, w, b, stride=2, padding=1)
    for name, t in (("x", x), ("weight", w), ("bias", b)):
        values, shape, stride = kept[name]
        if t.shape != shape or t.stride() != stride:
            raise AssertionError(
                f"{what} changed the caller's {name}: its shape went from {tuple(shape)} to "
                f"{tuple(t.shape)}. Likely mistake: an in-place view op on the argument "
                f"(unsqueeze_, resize_, t_); use bias[:, None] or weight.reshape(...), which "
                f"return new views and leave the caller's tensor as it was."
            )
        if not torch.equal(t, values):
            raise AssertionError(
                f"{what} changed the values of the caller's {name}. Likely mistake: an "
                f"in-place op (add_, mul_, +=) on the argument instead of on a new tensor."
            )


@pytest.mark.task(1)
def test_channel_mismatch_raises_value_error(device):
    x, w = torch.zeros(1, 3, 5, 5, device=device), torch.zeros(2, 4, 3, 3, device=device)
    with forbid(*FORBIDDEN, kata=kata):
        assert_raises(
            ValueError,
            kata.conv2d,
            x,
            w,
            what="conv2d(x with 3 channels, weight (2, 4, 3, 3) expecting 4)",
            mistake="no check that x.shape[1] == weight.shape[1] before the matmul.",
        )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "x_shape,w_shape,kwargs",
    [
        ((1, 1, 3, 3), (1, 1, 5, 5), {}),  # the kernel is larger than the input
        ((2, 2, 4, 6), (1, 2, 2, 2), {"dilation": (4, 1)}),  # the dilated kernel is too tall
        ((1, 1, 3, 8), (1, 1, 6, 2), {"padding": (1, 0)}),  # padded height 5 < kernel 6
        ((1, 1, 8, 3), (1, 1, 2, 6), {"padding": (0, 1)}),  # padded width 5 < kernel 6
    ],
)
def test_empty_output_raises_value_error(x_shape, w_shape, kwargs, device):
    x, w = torch.zeros(x_shape, device=device), torch.zeros(w_shape, device=device)
    with forbid(*FORBIDDEN, kata=kata):
        assert_raises(
            ValueError,
            kata.conv2d,
            x,
            w,
            **kwargs,
            what=f"conv2d(x {x_shape}, weight {w_shape}, {kwargs}), whose output would be empty",
            mistake="no check that H_out and W_out are at least 1 before calling F.unfold "
            "(which raises RuntimeError, not the ValueError the docstring promises).",
        )


# ----------------------------------------------------------------------------- task 2

MODULE_CASES = [
    (3, 5, 3, {}),
    (2, 4, (2, 3), {"stride": 2, "padding": (1, 0)}),
    (1, 2, 3, {"dilation": 2, "bias": False}),
]


def make(args, kwargs, device):
    __tracebackhide__ = True
    module = kata.Conv2d(*args, **kwargs)
    if not isinstance(module, nn.Module):
        raise AssertionError(f"Conv2d{args} is a {type(module).__name__}, not an nn.Module.")
    return module.to(device=device, dtype=torch.float64)


@pytest.mark.task(2)
@pytest.mark.parametrize("c_in,c_out,k,kwargs", MODULE_CASES)
def test_module_matches_nn_conv2d_state_dict(c_in, c_out, k, kwargs, device):
    torch.manual_seed(0)
    ref = nn.Conv2d(c_in, c_out, k, **kwargs).to(device=device, dtype=torch.float64)
    mine = make((c_in, c_out, k), kwargs, device)
    what = f"Conv2d({c_in}, {c_out}, {k}, {kwargs})"
    ref_shapes = {n: tuple(t.shape) for n, t in ref.state_dict().items()}
    my_shapes = {n: tuple(t.shape) for n, t in mine.state_dict().items()}
    if ref_shapes != my_shapes:
        raise AssertionError(
            f"{what}.state_dict() is {my_shapes}; nn.Conv2d's is {ref_shapes}. Likely mistake: "
            f"weight and bias must be nn.Parameter attributes named like nn.Conv2d's (a plain "
            f"tensor attribute is not registered), and bias=False must leave no bias."
        )
    mine.load_state_dict(ref.state_dict())
    x = torch.randn(2, c_in, 7, 8, dtype=torch.float64, device=device)
    with forbid(*FORBIDDEN, kata=kata):
        got = mine(x)
    expected = ref(x)
    if got.shape != expected.shape or not torch.allclose(got, expected, **TIGHT):
        # a second check tells the two causes apart: is conv2d itself right here?
        settings = {"stride": ref.stride, "padding": ref.padding, "dilation": ref.dilation}
        direct = call_conv(
            f"conv2d(x, weight, bias, **{settings})", x, ref.weight, ref.bias, **settings
        )
        if direct.shape == expected.shape and torch.allclose(direct, expected, **TIGHT):
            mistake = (
                "conv2d is right with these settings, so the module does not pass its own "
                "stride, padding or dilation (or its weight and bias) to conv2d in forward."
            )
        else:
            mistake = "conv2d itself is wrong with these settings: " + CONV_MISTAKE
    else:
        mistake = ""
    assert_tensor_close(
        got, expected, what=f"{what}(x) with nn.Conv2d's weights loaded", mistake=mistake, **TIGHT
    )


INIT_CASES = [(16, 32, 3), (6, 40, (3, 5))]  # fan_in 144 and 90 (a non-square kernel)


@pytest.mark.task(2)
@pytest.mark.parametrize("c_in,c_out,k", INIT_CASES)
def test_module_initialised_like_nn_conv2d(c_in, c_out, k, device):
    torch.manual_seed(1)
    module = make((c_in, c_out, k), {}, device)
    kh, kw = (k, k) if isinstance(k, int) else k
    bound = 1 / math.sqrt(c_in * kh * kw)
    what = f"Conv2d({c_in}, {c_out}, {k})"
    for name in ("weight", "bias"):
        p = getattr(module, name)
        if not isinstance(p, nn.Parameter):
            raise AssertionError(
                f"{what}.{name} is a {type(p).__name__}, not an nn.Parameter: a plain tensor "
                f"attribute is not registered."
            )
        top, spread = p.detach().abs().max().item(), p.detach().std().item()
        # a weight has hundreds of numbers: its std is within 10% of a uniform's, bound /
        # sqrt(3); a bias has out_channels, so only its range is checked
        if name == "weight":
            fits = top <= bound and abs(spread - bound / math.sqrt(3)) < 0.1 * bound / math.sqrt(3)
        else:
            fits = top <= bound and top > 0.5 * bound
        if not fits:
            raise AssertionError(
                f"{what}.{name} should be initialised like nn.Conv2d's: uniform in "
                f"+-1/sqrt(fan_in) = +-{bound:.4f} with fan_in = in_channels * kH * kW = "
                f"{c_in * kh * kw}, std about {bound / math.sqrt(3):.4f}; got max |{name}| "
                f"{top:.4f}, std {spread:.4f}. Likely mistake: torch.randn (too large), zeros, "
                f"or another fan: out_channels * kH * kW (fan_out) or in_channels alone."
            )


@pytest.mark.task(2)
def test_module_backward_fills_parameter_grads(device):
    torch.manual_seed(2)
    mine = make((2, 3, 3), {"padding": 1}, device)
    ref = nn.Conv2d(2, 3, 3, padding=1).to(device=device, dtype=torch.float64)
    ref.load_state_dict(mine.state_dict())
    x = torch.randn(2, 2, 5, 6, dtype=torch.float64, device=device)
    with forbid(*FORBIDDEN, kata=kata):
        mine(x).pow(2).sum().backward()
    ref(x).pow(2).sum().backward()
    for name in ("weight", "bias"):
        got = getattr(mine, name).grad
        if got is None:
            raise AssertionError(
                f"after Conv2d(2, 3, 3, padding=1)(x).pow(2).sum().backward(), Conv2d.{name}.grad "
                f"is None, expected a gradient. Likely mistake: {name} is not an nn.Parameter, or "
                f"forward uses a detached copy of it (.data, .detach())."
            )
        assert_tensor_close(got, getattr(ref, name).grad, what=f"Conv2d.{name}.grad", **TIGHT)
