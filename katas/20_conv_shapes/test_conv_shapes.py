"""Tests for kata 20: shape formulas, checked against real torch layers on random configurations."""

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_raises, forbid, load_kata

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
    "pooling's stride defaults to kernel_size (not 1); with ceil_mode the division rounds up "
    "(a last window may hang over the end, even one wider than the input), "
    "but a last window starting in the right padding is dropped."
)


def _pool_size(size, k, stride, p, d, ceil, *, drop_rule=True):
    """torch's pooling size rule written out (None for an empty output)."""
    room = size + 2 * p - d * (k - 1) - 1
    out = (-(-room // stride) if ceil else room // stride) + 1
    if ceil and drop_rule and (out - 1) * stride >= size + p:
        out -= 1
    return out if out >= 1 else None


def _named(slips: dict, why: dict, got) -> str:
    return " Or: ".join(
        why[n]
        for n, v in slips.items()
        if v != "-" and (v if v is not None else "ValueError") == got
    )


def conv_slips(size, k, s, p, d, got) -> str:
    """Which usual slips give `got`: no dilation, the division rounded up, padding once."""
    room = size + 2 * p - d * (k - 1) - 1
    once = size + p - d * (k - 1) - 1
    slips = {
        "no dilation": (size + 2 * p - k) // s + 1 if d > 1 and size + 2 * p >= k else "-",
        "ceil": -(-room // s) + 1 if room >= 0 else "-",
        "padding once": once // s + 1 if p > 0 and once >= 0 else "-",
    }
    why = {
        "no dilation": "the dilation left out: the dilation stretches the kernel to "
        "dilation * (kernel_size - 1) + 1 inputs.",
        "ceil": "the division rounded up: a convolution's division rounds down.",
        "padding once": "the padding counted once: it is added on both sides (2 * padding).",
    }
    return _named(slips, why, got)


def pool_slips(size, k, stride, p, d, ceil, got) -> str:
    """Which usual slips give `got`: stride 1 by default, no drop rule, ceil_mode ignored."""
    s = k if stride is None else stride
    slips = {
        "stride 1": _pool_size(size, k, 1, p, d, ceil) if stride is None and k > 1 else "-",
        "kept": _pool_size(size, k, s, p, d, ceil, drop_rule=False) if ceil else "-",
        "floor": _pool_size(size, k, s, p, d, False) if ceil else "-",
        "no dilation": _pool_size(size, k, s, p, 1, ceil) if d > 1 else "-",
    }
    why = {
        "stride 1": "pooling's stride defaults to kernel_size (not 1).",
        "kept": "with ceil_mode the division rounds up, but a last window starting in the "
        "right padding is dropped.",
        "floor": "ceil_mode ignored: with ceil_mode=True the division rounds up (a last "
        "window may hang over the end).",
        "no dilation": "the dilation left out: the window spans dilation * (kernel_size - "
        "1) + 1 inputs.",
    }
    return _named(slips, why, got)


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


def check(got, expected, what, mistake, slips=""):
    """mistake: the rule; slips: the usual slips a second computation found that give `got`."""
    __tracebackhide__ = True
    expected = "ValueError" if expected is None else expected
    if got != expected:
        if got == "ValueError":  # refused an input torch's layer accepts
            raise AssertionError(
                f"{what} raised ValueError, but torch's layer accepts this input and gives "
                f"{expected!r}. Likely mistake: "
                + (f"{slips} Or: " if slips else "")
                + f"a fit check stricter than torch's (padding not counted, the dilated "
                f"kernel span miscounted, or a window wider than the input refused where "
                f"ceil_mode lets it hang over the end); the rule: {mistake}"
            )
        raise AssertionError(
            f"{what} gave {got!r}, torch's layer gives {expected!r}"
            + (
                " (the layer refuses this input: raise ValueError)"
                if expected == "ValueError"
                else ""
            )
            + f". Likely mistake: {slips or mistake}"
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
        slips = conv_slips(size, k, s, p, d, got)
        check(got, real_size(layer, size, device), what, CONV_MISTAKE, slips)


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
        slips = conv_slips(size, k, s, p, d, got)
        check(got, real_size(layer, size, device), what, CONV_MISTAKE, slips)


@pytest.mark.task(1)
def test_conv_output_size_raises_value_error_when_the_kernel_does_not_fit(device):
    """An input shorter than the dilated kernel (padding counted) raises ValueError."""
    # (size, kernel, padding, dilation): the last two fit only thanks to the padding
    for size, k, p, d in [(4, 5, 0, 1), (6, 3, 0, 3), (2, 5, 1, 1), (0, 1, 0, 1)]:
        layer = nn.Conv1d(1, 1, k, padding=p, dilation=d, bias=False)
        assert real_size(layer, size, device) is None  # torch's layer refuses it too
        what = f"conv_output_size({size}, kernel_size={k}, padding={p}, dilation={d})"
        with forbid(*NO_FORWARD, kata=kata, why=WHY):
            assert_raises(
                ValueError,
                kata.conv_output_size,
                size,
                k,
                padding=p,
                dilation=d,
                what=f"{what}: {size} + 2 * {p} inputs, the kernel spans {d * (k - 1) + 1}",
                mistake="`raise ValueError(...)` (not assert, RuntimeError or a size of 0) when "
                "size + 2 * padding < dilation * (kernel_size - 1) + 1.",
            )


def must_be_int(got, what):
    __tracebackhide__ = True
    if not isinstance(got, int) or isinstance(got, bool):
        kind = type(got).__module__
        why = (
            "arithmetic on torch tensors (a 0-d tensor comes back): return int(...)."
            if kind.startswith("torch")
            else "rounding with numpy (np.floor / np.ceil return numpy floats, and numpy "
            "ints are not Python ints): `//` and math.ceil give ints."
            if kind.startswith("numpy")
            else "`/` without int(), or math.floor of a float kept as a float: `//` and "
            "math.ceil give ints."
            if isinstance(got, float)
            else "returning something other than the size (a bool, a tuple, None)."
        )
        raise AssertionError(
            f"{what} returned {got!r} of type {type(got).__name__}; expected a Python int "
            f"(nn.Linear(in_features=...) and torch.zeros(...) refuse floats). Likely mistake: "
            f"{why}"
        )


@pytest.mark.parametrize(
    "name, args",
    [
        pytest.param("conv_output_size", (32, 5, 2, 2, 1), marks=pytest.mark.task(1)),
        pytest.param("pool_output_size", (7, 2, None, 0, 1, False), marks=pytest.mark.task(2)),
        pytest.param("pool_output_size", (7, 2, None, 0, 1, True), marks=pytest.mark.task(2)),
    ],
)
def test_sizes_are_python_ints(name, args):
    what = f"{name}{args}"
    must_be_int(ask(getattr(kata, name), what, *args), what)


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
        slips = pool_slips(size, k, stride, p, d, bool(ceil), got)
        check(got, real_size(layer, size, device), what, POOL_MISTAKE, slips)


@pytest.mark.task(2)
def test_pool_output_size_default_stride_and_ceil_mode(device):
    # (size, kernel, stride, padding, ceil_mode): the 3rd to 5th drop a window in the padding,
    # the last two fit one window wider than the input (ceil_mode lets it hang over the end)
    for size, k, s, p, ceil in [
        (10, 2, None, 0, False),
        (7, 3, None, 0, True),
        (5, 2, 2, 1, True),
        (6, 3, 3, 1, True),
        (4, 2, 3, 1, True),
        (1, 1, None, 0, True),
        (1, 3, None, 0, True),
        (3, 4, 2, 1, True),
    ]:
        for cls in (nn.MaxPool1d, nn.AvgPool1d):
            layer = cls(k, stride=s, padding=p, ceil_mode=ceil)
            what = (
                f"pool_output_size({size}, kernel_size={k}, stride={s}, padding={p}, "
                f"ceil_mode={ceil}) vs {cls.__name__}"
            )
            got = ask(kata.pool_output_size, what, size, k, stride=s, padding=p, ceil_mode=ceil)
            slips = pool_slips(size, k, s, p, 1, ceil, got)
            check(got, real_size(layer, size, device), what, POOL_MISTAKE, slips)


@pytest.mark.task(2)
def test_pool_output_size_raises_value_error_when_the_output_is_empty(device):
    """A pooling whose output would be empty raises ValueError, with or without ceil_mode."""
    # (size, kernel, stride, padding, dilation, ceil_mode)
    for size, k, s, p, d, ceil in [
        (1, 3, None, 0, 1, False),
        (2, 3, 1, 0, 1, True),
        (4, 3, 1, 0, 2, False),
        (0, 1, None, 0, 1, True),
    ]:
        layer = nn.MaxPool1d(k, stride=s, padding=p, dilation=d, ceil_mode=ceil)
        assert real_size(layer, size, device) is None  # torch's layer refuses it too
        what = (
            f"pool_output_size({size}, kernel_size={k}, stride={s}, padding={p}, dilation={d}, "
            f"ceil_mode={ceil}), where torch's layer refuses the input"
        )
        with forbid(*NO_FORWARD, kata=kata, why=WHY):
            assert_raises(
                ValueError,
                kata.pool_output_size,
                size,
                k,
                stride=s,
                padding=p,
                dilation=d,
                ceil_mode=ceil,
                what=what,
                mistake="no check on the result: raise ValueError when the output size "
                "(after ceil_mode's rule) is below 1, rather than returning it.",
            )


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
@pytest.mark.parametrize("shape", [(1, 4, 10, 10), (4, 10, 10)], ids=["batched", "unbatched"])
def test_conv_output_shape_rejects_wrong_channels(shape, device):
    conv = nn.Conv2d(3, 8, 3).to(device)
    kind = "batched (N, C_in, H, W)" if len(shape) == 4 else "unbatched (C_in, H, W)"
    with forbid(*NO_FORWARD, kata=kata, why=WHY):
        assert_raises(
            ValueError,
            kata.conv_output_shape,
            shape,
            conv,
            what=f"conv_output_shape({shape}, nn.Conv2d(3, 8, 3)), {kind}: 4 channels into a "
            "3-channel conv, which the layer itself refuses",
            mistake="the channel dim is input_shape[-dims - 1] (input_shape[1] batched, "
            "input_shape[0] unbatched); compare it with conv.in_channels in both cases.",
        )


def conv_state(conv):
    names = ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation")
    return {name: getattr(conv, name) for name in names} | {"training": conv.training}


@pytest.mark.task(3)
@pytest.mark.parametrize("padding", ["same", "valid", (1, 0)])
def test_conv_output_shape_returns_a_tuple_and_leaves_its_arguments_alone(padding, device):
    """A tuple of ints comes back for a list or torch.Size input; neither argument changes."""
    conv = nn.Conv2d(3, 5, (3, 5), padding=padding, dilation=(1, 2)).to(device)
    with torch.no_grad():
        expected = tuple(conv(torch.zeros(2, 3, 9, 12, device=device)).shape)
    for shape in ([2, 3, 9, 12], torch.Size([2, 3, 9, 12])):
        before, state = list(shape), conv_state(conv)
        what = f"conv_output_shape({shape!r}, {conv})"
        got = ask(kata.conv_output_shape, what, shape, conv)
        if list(shape) != before:
            raise AssertionError(
                f"{what} changed the caller's input_shape list from {before} to {list(shape)}, "
                "expected it untouched. Likely mistake: assigning into input_shape (or pop, "
                "append, del on it); copy it first (tuple(input_shape))."
            )
        after = conv_state(conv)
        if after != state:
            changed = sorted(k for k in state if state[k] != after[k])
            raise AssertionError(
                f"{what} changed the caller's conv: {state} became {after} (changed: "
                f"{', '.join(changed)}), expected it untouched. Likely mistake: "
                + (
                    "conv.train() or conv.eval() on the caller's layer."
                    if changed == ["training"]
                    else f"assigning to conv.{changed[0]} to normalise it; read the layer's "
                    "attributes into local variables instead."
                )
            )
        if not isinstance(got, tuple) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in got
        ):
            raise AssertionError(
                f"{what} returned {got!r} ({type(got).__name__}); expected a tuple of ints, "
                f"{expected}. Likely mistake: "
                + (
                    f"returning a {type(got).__name__}: wrap it in tuple(...)."
                    if not isinstance(got, tuple)
                    else "sizes that are not Python ints (floats from `/`, tensors, numpy numbers)."
                )
            )
        check(tuple(got), expected, what, SHAPE_MISTAKE)


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
    must_be_int(got, what)


@pytest.mark.task(4)
@pytest.mark.parametrize(
    "shape, layers",
    [
        pytest.param(
            (2, 11, 13),
            nn.Sequential(
                nn.Conv2d(2, 4, (3, 1)),
                nn.GELU(),
                nn.MaxPool2d((2, 3), stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
                nn.Tanh(),
                nn.AvgPool2d((1, 2), stride=(1, 2), padding=(0, 1), ceil_mode=True),
                nn.Dropout2d(0.1),
                nn.LeakyReLU(),
                nn.Identity(),
            ),
            id="non-square-2d",
        ),
        pytest.param(
            (3, 4, 5, 7), nn.Sequential(nn.MaxPool3d((1, 2, 3), ceil_mode=True)), id="pool-only-3d"
        ),
        pytest.param((2, 9), nn.Sequential(nn.BatchNorm1d(2), nn.SiLU()), id="no-resizing-1d"),
        pytest.param((3, 4, 5), nn.Sequential(), id="empty"),
    ],
)
def test_flattened_features_reads_each_dim_and_passes_any_shape_keeping_layer(
    shape, layers, device
):
    """Pooling tuples are read per dim, and any shape-keeping layer (GELU, Identity) passes."""
    layers = layers.to(device).eval()
    with torch.no_grad():
        expected = layers(torch.zeros(1, *shape, device=device)).flatten(1).shape[1]
    what = f"flattened_features({shape}, {layers})".replace("\n", " ")
    try:
        got = ask(kata.flattened_features, what, shape, layers)
    except (NotImplementedError, AssertionError):
        raise  # not started, or a forbidden call: its own message says what went wrong
    except Exception as err:
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}; every layer here is legal, and "
            f"torch gives {expected} features. Likely mistake: raising on a layer type you "
            "did not list (any layer that is not a conv or a pool is a shape-keeping layer "
            "and changes nothing), reading a pooling layer's kernel_size, stride or "
            "padding as always an int (or always a tuple), or (for the empty stack) "
            "reading layers[0] or layers[-1]."
        ) from err
    check(
        got,
        expected,
        what,
        "each spatial dim has its own kernel_size, stride, padding and dilation (a pooling "
        "layer may hold tuples); any shape-keeping layer (an activation, Dropout2d, Identity) "
        "changes nothing; with no layers the features are C * every spatial size.",
    )
