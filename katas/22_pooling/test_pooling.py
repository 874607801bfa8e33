"""Tests for kata 22: pooling from scratch, checked against F.max_pool2d / F.avg_pool2d
forward and backward on random shapes and settings."""

import pytest
import torch
import torch.nn.functional as F

from torchkatas.harness import assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

FORBIDDEN = (
    "torch.nn.functional.max_pool2d",
    "torch.nn.functional.max_pool2d_with_indices",
    "torch.max_pool2d",
    "torch.nn.functional.max_pool1d",
    "torch.nn.functional.max_pool3d",
    "torch.nn.functional.avg_pool2d",
    "torch.nn.functional.avg_pool1d",
    "torch.nn.functional.avg_pool3d",
    "torch.nn.functional.lp_pool2d",
    "torch.nn.functional.adaptive_max_pool2d",
    "torch.nn.functional.adaptive_avg_pool2d",
    "torch.nn.MaxPool2d.forward",
    "torch.nn.AvgPool2d.forward",
)
TIGHT = {"rtol": 1e-10, "atol": 1e-10}
POOL_MISTAKE = (
    "stride defaults to kernel_size (not 1); unfold's rows are channel-major, so split them "
    "as (N, C, kH * kW, L), never (N, kH * kW, C, L); each spatial dim has its own kernel, "
    "stride, padding and dilation."
)
MAX_PAD_MISTAKE = (
    "the border windows were padded with zeros (F.unfold's padding): for negative inputs "
    "0 wins the max. Pad with -inf (F.pad(x, ..., value=float('-inf'))) and unfold without "
    "padding."
)
AVG_PAD_MISTAKE = (
    "F.avg_pool2d's default count_include_pad=True divides every window by kH * kW, "
    "padding included, not by the number of real pixels in it."
)


def call(name, what, *args, **kwargs):
    """The learner's pooling with torch's pooling switched off."""
    __tracebackhide__ = True
    try:
        with forbid(*FORBIDDEN, kata=kata):
            return getattr(kata, name)(*args, **kwargs)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: {POOL_MISTAKE}"
        ) from err


def random_config(gen, with_dilation):
    while True:

        def draw(lo, hi, k=1):
            v = torch.randint(lo, hi, (k,), generator=gen).tolist()
            return v[0] if k == 1 else tuple(v)

        kernel = draw(1, 4, 2)
        cfg = {
            "shape": (draw(1, 3), draw(1, 5), draw(3, 11), draw(3, 11)),
            "kernel_size": kernel,
            "stride": None if draw(0, 3) == 0 else draw(1, 4, 2),
            "padding": tuple(draw(0, k // 2 + 1) for k in kernel),
        }
        if with_dilation:
            cfg["dilation"] = draw(1, 3, 2)
        if draw(0, 3) == 0:  # the int forms, as torch accepts them
            cfg["kernel_size"], cfg["padding"] = kernel[0], cfg["padding"][0]
        try:
            F.max_pool2d(
                torch.zeros(cfg["shape"]), **{k: v for k, v in cfg.items() if k != "shape"}
            )
        except RuntimeError:
            continue  # torch refuses this one (output too small): draw another
        return cfg


def describe(name, cfg):
    args = ", ".join(f"{k}={v}" for k, v in cfg.items() if k != "shape")
    return f"{name}(x of shape {cfg['shape']}, {args})"


def compare(name, oracle, cfg, x, what, mistake, gen):
    """Forward and backward of the learner's pooling against torch's."""
    __tracebackhide__ = True
    kwargs = {k: v for k, v in cfg.items() if k != "shape"}
    leaf = x.clone().requires_grad_(True)
    got = call(name, what, leaf, **kwargs)
    ref = x.clone().requires_grad_(True)
    expected = oracle(ref, **kwargs)
    assert_tensor_close(got, expected, what=what, mistake=mistake, **TIGHT)
    upstream = torch.randn(expected.shape, generator=gen, dtype=x.dtype).to(x.device)
    (g_got,) = torch.autograd.grad(got, leaf, upstream)
    (g_exp,) = torch.autograd.grad(expected, ref, upstream)
    assert_tensor_close(
        g_got, g_exp, what=f"the gradient w.r.t. x of {what}", mistake=mistake, **TIGHT
    )


def random_x(cfg, gen, device, shift=0.0):
    return (torch.randn(cfg["shape"], generator=gen, dtype=torch.float64) + shift).to(device)


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_max_pool_equals_torch(seed, device):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(8):
        cfg = random_config(gen, with_dilation=True)
        x = random_x(cfg, gen, device)
        compare(
            "max_pool2d",
            F.max_pool2d,
            cfg,
            x,
            describe("max_pool2d", cfg),
            POOL_MISTAKE + " " + MAX_PAD_MISTAKE,
            gen,
        )


@pytest.mark.task(1)
def test_max_pool_padding_never_wins(device):
    gen = torch.Generator().manual_seed(10)
    for padding in [1, (1, 0), (0, 1)]:
        cfg = {"shape": (2, 3, 6, 7), "kernel_size": 3, "stride": 2, "padding": padding}
        x = random_x(cfg, gen, device, shift=-10.0)  # every value negative
        what = describe("max_pool2d", cfg) + " on an all-negative x"
        compare("max_pool2d", F.max_pool2d, cfg, x, what, MAX_PAD_MISTAKE, gen)


@pytest.mark.task(1)
def test_max_pool_default_stride_is_kernel_size(device):
    gen = torch.Generator().manual_seed(11)
    cfg = {"shape": (1, 2, 8, 6), "kernel_size": 2}
    x = random_x(cfg, gen, device)
    compare(
        "max_pool2d",
        F.max_pool2d,
        cfg,
        x,
        "max_pool2d(x (1, 2, 8, 6), kernel_size=2)",
        "stride defaults to kernel_size (not 1): nn.MaxPool2d(2) halves H and W.",
        gen,
    )


@pytest.mark.task(1)
def test_max_pool_rejects_padding_over_half_the_kernel(device):
    x = torch.zeros(1, 1, 6, 6, device=device)
    with pytest.raises(ValueError), forbid(*FORBIDDEN, kata=kata):
        kata.max_pool2d(x, 2, padding=2)


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_avg_pool_equals_torch(seed, device):
    gen = torch.Generator().manual_seed(100 + seed)
    for _ in range(8):
        cfg = random_config(gen, with_dilation=False)
        x = random_x(cfg, gen, device)
        compare(
            "avg_pool2d",
            F.avg_pool2d,
            cfg,
            x,
            describe("avg_pool2d", cfg),
            POOL_MISTAKE + " " + AVG_PAD_MISTAKE,
            gen,
        )


@pytest.mark.task(2)
def test_avg_pool_counts_padding(device):
    gen = torch.Generator().manual_seed(110)
    cfg = {"shape": (1, 2, 5, 5), "kernel_size": 3, "stride": 2, "padding": 1}
    x = random_x(cfg, gen, device, shift=5.0)
    compare("avg_pool2d", F.avg_pool2d, cfg, x, describe("avg_pool2d", cfg), AVG_PAD_MISTAKE, gen)


# ----------------------------------------------------------------------------- task 3


def sum_pool_reference(x, kernel_size, stride=None, padding=0):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return F.avg_pool2d(x, kernel_size, stride, padding) * (kh * kw)


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(3))
def test_sum_pool_equals_avg_times_area(seed, device):
    gen = torch.Generator().manual_seed(200 + seed)
    for _ in range(6):
        cfg = random_config(gen, with_dilation=False)
        x = random_x(cfg, gen, device)
        compare(
            "sum_pool2d",
            sum_pool_reference,
            cfg,
            x,
            describe("sum_pool2d", cfg),
            "the sum of each window is avg * kH * kW (the area of a non-square kernel is "
            "kH * kW, not kH ** 2). " + POOL_MISTAKE,
            gen,
        )


@pytest.mark.task(3)
def test_sum_pool_of_ones_counts_real_pixels(device):
    x = torch.ones(1, 1, 4, 4, dtype=torch.float64, device=device)
    got = call(
        "sum_pool2d",
        "sum_pool2d(ones (1, 1, 4, 4), 3, stride=3, padding=1)",
        x,
        3,
        stride=3,
        padding=1,
    )
    expected = torch.tensor([[[[4.0, 4.0], [4.0, 4.0]]]], dtype=torch.float64, device=device)
    assert_tensor_close(
        got,
        expected,
        what="sum_pool2d(ones (1, 1, 4, 4), 3, stride=3, padding=1)",
        mistake="zero padding adds nothing: each corner window holds 4 ones.",
    )
