"""Tests for kata 21: conv2d from unfold + matmul, checked against F.conv2d forward and backward."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_tensor_close, forbid, load_kata

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
    "dilation": "unfold must get the dilation too (the dilation too), or its patches are "
    "contiguous while the output size assumed a dilated kernel.",
    "layout": "the matmul (C_out, K) @ (N, K, L) is (N, C_out, L) and views straight as "
    "(N, C_out, H_out, W_out); a (N, L, C_out) product must be transposed first.",
    "non-square": "H_out comes from H with the height settings, W_out from W with the width "
    "settings: height and width are not interchangeable.",
    "bias": "the bias must broadcast over channels: bias[:, None] on (N, C_out, L) or "
    "bias[:, None, None] on (N, C_out, H, W); a bare + bias lines up with the width.",
}
ERROR_MISTAKE = " Or: ".join(SETTING_MISTAKES.values())
CONV_MISTAKE = (
    "one of the settings differs from F.conv2d; test_each_setting_on_its_own names which "
    "(dilation, the (N, C_out, L) layout, height vs width, the bias)."
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
            f"{what} raised RuntimeError: {err}. Likely mistake: {ERROR_MISTAKE}"
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
        ((1, 2, 4, 9), (3, 2, 1, 1), {"stride": 2}),  # 1x1 conv = per-pixel linear map
        ((1, 2, 3, 3), (2, 2, 3, 3), {"padding": 2}),  # padding larger than the output
        ((2, 2, 7, 4), (3, 2, 2, 2), {"stride": (3, 1), "dilation": (1, 2)}),
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
def test_channel_mismatch_raises_value_error(device):
    x, w = torch.zeros(1, 3, 5, 5, device=device), torch.zeros(2, 4, 3, 3, device=device)
    with pytest.raises(ValueError), forbid(*FORBIDDEN, kata=kata):
        kata.conv2d(x, w)


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
    assert_tensor_close(
        got,
        ref(x),
        what=f"{what}(x) with nn.Conv2d's weights loaded",
        mistake="the module's stride, padding or dilation not passed to conv2d.",
        **TIGHT,
    )


@pytest.mark.task(2)
def test_module_initialised_like_nn_conv2d(device):
    torch.manual_seed(1)
    module = make((16, 32, 3), {}, device)
    bound = 1 / math.sqrt(16 * 3 * 3)
    for name in ("weight", "bias"):
        p = getattr(module, name)
        spread = p.detach().std().item()
        if not isinstance(p, nn.Parameter) or p.abs().max() > bound or spread < 0.4 * bound:
            raise AssertionError(
                f"Conv2d(16, 32, 3).{name} should be an nn.Parameter initialised like "
                f"nn.Conv2d's: uniform in +-1/sqrt(fan_in) = +-{bound:.4f}, std about "
                f"{bound / math.sqrt(3):.4f}; got max |{name}| {p.abs().max().item():.4f}, "
                f"std {spread:.4f}. Likely mistake: torch.randn (too large) or zeros."
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
            raise AssertionError(f"after backward, Conv2d.{name}.grad is None: not a Parameter?")
        assert_tensor_close(got, getattr(ref, name).grad, what=f"Conv2d.{name}.grad", **TIGHT)
