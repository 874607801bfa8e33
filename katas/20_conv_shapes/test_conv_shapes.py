"""Tests for kata 20: shape formulas, checked against real torch layers on random configurations."""

import pytest
import torch
from torch import nn

from torchkatas.harness import forbid, load_kata

kata = load_kata(__file__)

NO_FORWARD = (
    "torch.nn.functional.conv1d",
    "torch.nn.functional.conv2d",
    "torch.nn.functional.conv3d",
    "torch.nn.functional.max_pool1d",
    "torch.nn.functional.max_pool2d",
    "torch.nn.functional.max_pool3d",
    "torch.nn.functional.avg_pool1d",
    "torch.nn.functional.avg_pool2d",
    "torch.nn.functional.avg_pool3d",
)
WHY = "Compute the shape with your formulas; running the layers on a dummy input is not the task."

CONV_MISTAKE = (
    "out = (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1: the "
    "dilation stretches the kernel, and the division rounds down."
)
POOL_MISTAKE = (
    "pooling's stride defaults to kernel_size (not 1); with ceil_mode the division rounds up, "
    "but a last window starting in the right padding is dropped."
)


def real_size(layer, size, device):
    """What torch gives for one spatial dimension, or None if the layer refuses the input."""
    try:
        return layer.to(device)(torch.zeros(1, 1, size, device=device)).shape[-1]
    except RuntimeError:
        return None


def ask(fn, what, *args, **kwargs):
    """The learner's answer; ValueError comes back as the string 'ValueError'."""
    __tracebackhide__ = True
    try:
        with forbid(*NO_FORWARD, kata=kata, why=WHY):
            return fn(*args, **kwargs)
    except ValueError:
        return "ValueError"


def check(got, expected, what, mistake):
    __tracebackhide__ = True
    expected = "ValueError" if expected is None else expected
    if got != expected:
        raise AssertionError(
            f"{what} gave {got!r}, torch's layer gives {expected!r}"
            + (
                " (the layer refuses this input: raise ValueError)"
                if expected == "ValueError"
                else ""
            )
            + f". Likely mistake: {mistake}"
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("seed", range(4))
def test_conv_output_size_agrees_with_conv1d(seed, device):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(20):
        size, k, s, p, d = (
            int(torch.randint(lo, hi, (1,), generator=gen))
            for lo, hi in [(1, 24), (1, 6), (1, 5), (0, 4), (1, 4)]
        )
        layer = nn.Conv1d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
        what = f"conv_output_size({size}, kernel_size={k}, stride={s}, padding={p}, dilation={d})"
        got = ask(kata.conv_output_size, what, size, k, stride=s, padding=p, dilation=d)
        check(got, real_size(layer, size, device), what, CONV_MISTAKE)


@pytest.mark.task(1)
def test_conv_output_size_edge_cases(device):
    for size, k, s, p, d in [
        (1, 1, 1, 0, 1),
        (5, 5, 1, 0, 1),
        (4, 5, 1, 0, 1),
        (1, 3, 1, 1, 1),
        (7, 3, 7, 0, 3),
        (6, 3, 2, 0, 3),
    ]:
        layer = nn.Conv1d(1, 1, k, stride=s, padding=p, dilation=d, bias=False)
        what = f"conv_output_size({size}, kernel_size={k}, stride={s}, padding={p}, dilation={d})"
        got = ask(kata.conv_output_size, what, size, k, stride=s, padding=p, dilation=d)
        check(got, real_size(layer, size, device), what, CONV_MISTAKE)


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(4))
def test_pool_output_size_agrees_with_maxpool1d(seed, device):
    gen = torch.Generator().manual_seed(100 + seed)
    for _ in range(20):
        size, k, s, d, ceil = (
            int(torch.randint(lo, hi, (1,), generator=gen))
            for lo, hi in [(1, 24), (1, 6), (0, 5), (1, 3), (0, 2)]
        )
        p = int(torch.randint(0, k // 2 + 1, (1,), generator=gen))
        stride = s or None  # 0 -> the default
        layer = nn.MaxPool1d(k, stride=stride, padding=p, dilation=d, ceil_mode=bool(ceil))
        what = (
            f"pool_output_size({size}, kernel_size={k}, stride={stride}, padding={p}, "
            f"dilation={d}, ceil_mode={bool(ceil)})"
        )
        got = ask(
            kata.pool_output_size,
            what,
            size,
            k,
            stride=stride,
            padding=p,
            dilation=d,
            ceil_mode=bool(ceil),
        )
        check(got, real_size(layer, size, device), what, POOL_MISTAKE)


@pytest.mark.task(2)
def test_pool_output_size_default_stride_and_ceil_mode(device):
    # (size, kernel, stride, padding, ceil_mode): the last two drop a window in the padding
    for size, k, s, p, ceil in [
        (10, 2, None, 0, False),
        (7, 3, None, 0, True),
        (5, 2, 2, 1, True),
        (6, 3, 3, 1, True),
        (4, 2, 3, 1, True),
        (1, 1, None, 0, True),
    ]:
        for cls in (nn.MaxPool1d, nn.AvgPool1d):
            layer = cls(k, stride=s, padding=p, ceil_mode=ceil)
            what = (
                f"pool_output_size({size}, kernel_size={k}, stride={s}, padding={p}, "
                f"ceil_mode={ceil}) vs {cls.__name__}"
            )
            got = ask(kata.pool_output_size, what, size, k, stride=s, padding=p, ceil_mode=ceil)
            check(got, real_size(layer, size, device), what, POOL_MISTAKE)


# ----------------------------------------------------------------------------- task 3


def random_conv(gen, dims):
    def draw(lo, hi):
        return tuple(int(v) for v in torch.randint(lo, hi, (dims,), generator=gen))

    kernel, dilation = draw(1, 4), draw(1, 3)
    choice = int(torch.randint(4, (1,), generator=gen))
    if choice == 0:
        padding, stride = "same", 1  # torch allows "same" only with stride 1
        kernel = tuple(2 * (k // 2) + 1 for k in kernel)  # even kernels make torch warn
    elif choice == 1:
        padding, stride = "valid", draw(1, 3)
    else:
        padding, stride = draw(0, 3), draw(1, 4)
    c_in, c_out = (int(v) for v in torch.randint(1, 5, (2,), generator=gen))
    cls = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[dims - 1]
    return cls(c_in, c_out, kernel, stride=stride, padding=padding, dilation=dilation)


SHAPE_MISTAKE = (
    "padding='same' keeps each spatial size and padding='valid' means 0 (conv.padding is "
    "then a string, not a tuple); each spatial dim has its own kernel, stride, padding and "
    "dilation; the channels become out_channels; the batch dim (if any) is kept. " + CONV_MISTAKE
)


@pytest.mark.task(3)
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_conv_output_shape_agrees_with_layer(dims, device):
    gen = torch.Generator().manual_seed(200 + dims)
    checked = 0
    while checked < 12:
        conv = random_conv(gen, dims).to(device)
        batch = () if checked % 3 == 0 else (2,)  # unbatched input too
        spatial = tuple(int(v) for v in torch.randint(6, 12 - dims, (dims,), generator=gen))
        shape = (*batch, conv.in_channels, *spatial)
        with torch.no_grad():
            expected = tuple(conv(torch.zeros(shape, device=device)).shape)
        what = f"conv_output_shape({shape}, {conv})"
        got = ask(kata.conv_output_shape, what, shape, conv)
        got = tuple(got) if isinstance(got, (tuple, list, torch.Size)) else got
        check(got, expected, what, SHAPE_MISTAKE)
        checked += 1


@pytest.mark.task(3)
def test_conv_output_shape_rejects_wrong_channels(device):
    conv = nn.Conv2d(3, 8, 3).to(device)
    what = "conv_output_shape((1, 4, 10, 10), nn.Conv2d(3, 8, 3))"
    got = ask(kata.conv_output_shape, what, (1, 4, 10, 10), conv)
    if got != "ValueError":
        raise AssertionError(
            f"{what} gave {got!r}; 4 channels into a 3-channel conv must raise "
            f"ValueError, as the layer itself refuses it."
        )


# ----------------------------------------------------------------------------- task 4


def random_stack(gen, dims, channels):
    layers = []
    for _ in range(int(torch.randint(2, 5, (1,), generator=gen))):
        kind = int(torch.randint(5, (1,), generator=gen))
        if kind <= 1:
            conv = random_conv(gen, dims)
            conv = type(conv)(
                channels,
                conv.out_channels,
                conv.kernel_size,
                conv.stride,
                conv.padding,
                conv.dilation,
            )
            channels = conv.out_channels
            layers += [conv, nn.ReLU()]
        elif kind == 2:
            k = int(torch.randint(1, 4, (1,), generator=gen))
            stride = int(torch.randint(0, 3, (1,), generator=gen)) or None
            cls = (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[dims - 1]
            layers.append(cls(k, stride, padding=k // 2, ceil_mode=bool(k % 2)))
        elif kind == 3:
            cls = (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[dims - 1]
            layers.append(cls((2,) * dims, ceil_mode=True))
        else:
            layers += [
                (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[dims - 1](channels),
                nn.Dropout(0.5),
            ]
    return nn.Sequential(*layers)


@pytest.mark.task(4)
@pytest.mark.parametrize("dims", [1, 2, 3])
def test_flattened_features_agrees_with_a_forward_pass(dims, device):
    gen = torch.Generator().manual_seed(300 + dims)
    checked = 0
    while checked < 6:
        channels = int(torch.randint(1, 4, (1,), generator=gen))
        shape = (channels, *(int(v) for v in torch.randint(8, 14 - dims, (dims,), generator=gen)))
        layers = random_stack(gen, dims, channels).to(device).eval()
        try:
            with torch.no_grad():
                expected = layers(torch.zeros(1, *shape, device=device)).flatten(1).shape[1]
        except RuntimeError:
            continue  # this random stack shrinks the input to nothing: draw another
        what = f"flattened_features({shape}, {layers})".replace("\n", " ")
        got = ask(kata.flattened_features, what, shape, layers)
        check(
            got,
            expected,
            what,
            "the features are channels * every spatial size; convs change the channels, "
            "pools keep them; BatchNorm, ReLU and Dropout change nothing. " + POOL_MISTAKE,
        )
        checked += 1


@pytest.mark.task(4)
def test_flattened_features_of_a_lenet_stack(device):
    layers = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.ReLU(),
        nn.MaxPool2d(2),
    ).to(device)
    what = "flattened_features((1, 28, 28), LeNet-5's conv stack)"
    got = ask(kata.flattened_features, what, (1, 28, 28), layers)
    check(got, 16 * 5 * 5, what, "16 channels of 5 x 5: the input of LeNet's first Linear.")
    if not isinstance(got, int):
        raise AssertionError(f"{what} returned {type(got).__name__}, expected a Python int.")
