"""Tests for kata 22: pooling from scratch, checked against F.max_pool2d / F.avg_pool2d
forward and backward on random shapes and settings."""

import pytest
import torch
import torch.nn.functional as F

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

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
    "stride, padding and dilation, and F.unfold must get the dilation too."
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


VIEW_MISTAKE = (
    ".view() on a tensor that is not contiguous (x transposed or sliced by the caller, e.g. "
    "x.view(N * C, 1, H, W)): use .reshape(), or let F.pad / F.unfold make the copy."
)
INPLACE_MISTAKE = (
    "an in-place op on the argument x (x.div_, x.clamp_, x += ...): autograd refuses it on an "
    "x that requires grad, and on any other x it changed the caller's x in place. Work on "
    "new tensors (F.pad and F.unfold already return them)."
)
PAD_CHECK_MISTAKE = (
    "padding may be at most half the kernel, p <= k // 2 in each dimension (k = 2, p = 1 "
    "is legal): check every dimension, and raise ValueError only beyond that."
)


def blame_runtime_error(err):
    """The likely causes of a RuntimeError raised by a pooling on legal inputs, from its text."""
    text = str(err)
    if "view size is not compatible" in text:
        return VIEW_MISTAKE
    if "leaf Variable that requires grad" in text:
        return INPLACE_MISTAKE
    if "is invalid for input of size" in text:  # the view of unfold's columns does not fit
        return (
            "the view of unfold's (N, C * kH * kW, L) columns does not fit the output size "
            "computed: H_out = (H + 2p - d(k - 1) - 1) // s + 1 per dimension (floor), with "
            "the same stride, padding and dilation given to F.pad / F.unfold. " + POOL_MISTAKE
        )
    return POOL_MISTAKE + " Or: " + VIEW_MISTAKE


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
            f"{what} raised RuntimeError: {err}. Likely mistake: {blame_runtime_error(err)}"
        ) from err
    except ValueError as err:
        raise AssertionError(
            f"{what} raised ValueError ({err}), but these settings are legal (torch accepts "
            f"them). Likely mistake: {PAD_CHECK_MISTAKE} Or: the empty-output check "
            f"computes H_out or W_out differently from torch's floor formula."
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


TIES_MISTAKE = (
    "amax (or max over a flattened window through sum/softmax tricks) splits the gradient "
    "evenly among tied maxima; F.max_pool2d routes each window's gradient to one element, "
    "the first maximum: use windows.max(dim=2).values, whose gradient goes to its index."
)


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2},
        {"kernel_size": 3, "stride": 1, "padding": 1},  # overlapping windows share ties
        {"kernel_size": (2, 3), "stride": (1, 2), "dilation": (2, 1)},
    ],
)
def test_max_pool_gradient_goes_to_one_element_on_ties(kwargs, device):
    gen = torch.Generator().manual_seed(12)
    # ReLU outputs: many exact zeros, so most windows hold tied maxima; and small integers
    relu_like = torch.randn(2, 3, 7, 8, generator=gen, dtype=torch.float64).clamp(min=0)
    integers = torch.randint(0, 3, (2, 3, 7, 8), generator=gen).to(torch.float64)
    for label, x in (("ReLU-like x (many zeros)", relu_like), ("x of small integers", integers)):
        what = f"max_pool2d({label} (2, 3, 7, 8), {kwargs})"
        leaf = x.to(device).requires_grad_(True)
        got = call("max_pool2d", what, leaf, **kwargs)
        # the oracle on the CPU, whose tie rule (first maximum in the window) is documented
        ref = x.clone().requires_grad_(True)
        expected = F.max_pool2d(ref, **kwargs)
        assert_tensor_close(got, expected.to(device), what=what, mistake=POOL_MISTAKE, **TIGHT)
        upstream = torch.randn(expected.shape, generator=gen, dtype=torch.float64)
        (g_got,) = torch.autograd.grad(got, leaf, upstream.to(device))
        (g_exp,) = torch.autograd.grad(expected, ref, upstream)
        assert_tensor_close(
            g_got,
            g_exp.to(device),
            what=f"the gradient w.r.t. x of {what}",
            mistake=TIES_MISTAKE,
            **TIGHT,
        )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"kernel_size": 2, "padding": 2},
        {"kernel_size": 3, "padding": 2},
        {"kernel_size": (3, 2), "padding": (0, 2)},  # only the width's padding is too large
        {"kernel_size": (4, 1), "padding": (1, 1)},  # k = 1 allows no padding at all
    ],
)
def test_max_pool_rejects_padding_over_half_the_kernel(kwargs, device):
    x = torch.zeros(1, 1, 6, 6, device=device)
    with forbid(*FORBIDDEN, kata=kata):
        assert_raises(
            ValueError,
            kata.max_pool2d,
            x,
            **kwargs,
            what=f"max_pool2d(x (1, 1, 6, 6), {kwargs}), padding over half the kernel",
            mistake="no check p <= k // 2 for each of height and width (torch raises too; "
            "a larger pad would make windows of padding only).",
        )


@pytest.mark.task(1)
def test_max_pool_allows_padding_of_exactly_half_the_kernel(device):
    gen = torch.Generator().manual_seed(13)
    for kwargs in (
        {"kernel_size": 2, "padding": 1},
        {"kernel_size": (3, 2), "padding": (1, 1), "stride": 1},
        {"kernel_size": (5, 4), "padding": (2, 2), "dilation": (1, 2)},
    ):
        cfg = {"shape": (1, 2, 6, 7), **kwargs}
        x = random_x(cfg, gen, device, shift=-3.0)
        compare(
            "max_pool2d",
            F.max_pool2d,
            cfg,
            x,
            describe("max_pool2d", cfg) + ", padding exactly half the kernel",
            PAD_CHECK_MISTAKE,
            gen,
        )


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


def check_rejects_padding_over_half(name, device):
    __tracebackhide__ = True
    x = torch.zeros(1, 1, 6, 6, device=device)
    for kwargs in ({"kernel_size": 2, "padding": 2}, {"kernel_size": (2, 4), "padding": (1, 3)}):
        with forbid(*FORBIDDEN, kata=kata):
            assert_raises(
                ValueError,
                getattr(kata, name),
                x,
                **kwargs,
                what=f"{name}(x (1, 1, 6, 6), {kwargs}), padding over half the kernel",
                mistake=f"{name} does not check its padding as max_pool2d does (p <= k // 2 "
                f"per dimension; F.avg_pool2d raises too).",
            )


@pytest.mark.task(2)
def test_avg_pool_rejects_padding_over_half_the_kernel(device):
    check_rejects_padding_over_half("avg_pool2d", device)


@pytest.mark.task(3)
def test_sum_pool_rejects_padding_over_half_the_kernel(device):
    check_rejects_padding_over_half("sum_pool2d", device)


# ----------------------------------------------------------------------------- every task


def oracle_of(name):
    return {"max_pool2d": F.max_pool2d, "avg_pool2d": F.avg_pool2d}.get(name, sum_pool_reference)


def check_edge_sizes(name, device):
    """Batch of one, a single pixel, global windows, 1 x W windows, stride > kernel."""
    __tracebackhide__ = True
    gen = torch.Generator().manual_seed(14)
    cases = [
        {"shape": (1, 1, 1, 1), "kernel_size": 1},  # a single pixel, batch of one
        {"shape": (1, 3, 5, 5), "kernel_size": 5},  # global pooling: kernel = input size
        {"shape": (2, 2, 4, 7), "kernel_size": (4, 7)},  # non-square global pooling
        {"shape": (1, 2, 5, 6), "kernel_size": (1, 6), "stride": 1},  # a 1 x W window
        {"shape": (2, 1, 7, 7), "kernel_size": 2, "stride": 3},  # stride > kernel: gaps
        {"shape": (1, 2, 3, 9), "kernel_size": 3, "stride": (1, 4), "padding": (1, 0)},
        {"shape": (1, 1, 5, 5), "kernel_size": 2, "padding": 1},  # padding on odd sizes
    ]
    for cfg in cases:
        x = random_x(cfg, gen, device, shift=-2.0)
        compare(name, oracle_of(name), cfg, x, describe(name, cfg), POOL_MISTAKE, gen)


def check_non_contiguous_input(name, device):
    """Transposed, sliced and expanded float32 inputs: right values, x left as it was."""
    __tracebackhide__ = True
    gen = torch.Generator().manual_seed(15)
    base = torch.randn(2, 6, 9, 7, generator=gen).to(device)
    cases = {
        "transposed to (2, 6, 7, 9)": base.transpose(2, 3),
        "channel-sliced to (2, 3, 9, 7)": base[:, ::2],
        "expanded over the batch to (3, 6, 9, 7)": base[:1].expand(3, -1, -1, -1),
    }
    kwargs = {"kernel_size": 3, "stride": 2, "padding": 1}
    for label, x in cases.items():
        before = x.clone()
        what = f"{name}(float32 x {label}, {kwargs})"
        got = call(name, what, x, **kwargs)
        # the oracle in float64: on CUDA, float32 reductions may be ordered differently
        expected = oracle_of(name)(x.double(), **kwargs).float()
        assert_tensor_close(got, expected, what=what, mistake=POOL_MISTAKE)
        if not torch.equal(x, before):
            raise AssertionError(
                f"{what} changed the caller's x in place. Likely mistake: an in-place op on "
                f"the argument (x.div_(kH * kW) before summing, x.clamp_, a masked write); "
                f"work on new tensors (F.pad and F.unfold already return them)."
            )


@pytest.mark.task(1)
def test_max_pool_edge_sizes(device):
    check_edge_sizes("max_pool2d", device)


@pytest.mark.task(2)
def test_avg_pool_edge_sizes(device):
    check_edge_sizes("avg_pool2d", device)


@pytest.mark.task(3)
def test_sum_pool_edge_sizes(device):
    check_edge_sizes("sum_pool2d", device)


@pytest.mark.task(1)
def test_max_pool_non_contiguous_input_left_untouched(device):
    check_non_contiguous_input("max_pool2d", device)


@pytest.mark.task(2)
def test_avg_pool_non_contiguous_input_left_untouched(device):
    check_non_contiguous_input("avg_pool2d", device)


@pytest.mark.task(3)
def test_sum_pool_non_contiguous_input_left_untouched(device):
    check_non_contiguous_input("sum_pool2d", device)
