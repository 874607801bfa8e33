"""Tests for kata 24: a residual block, checked against a reference forward pass written with
torch.nn.functional and the block's own weights."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

# (in_channels, out_channels, stride): identity, more channels, stride, both
CASES = [(4, 4, 1), (3, 6, 1), (4, 4, 2), (3, 8, 2)]
IDS = [f"{i}to{o}-stride{s}" for i, o, s in CASES]


def build(in_channels, out_channels, stride, device, seed=0):
    __tracebackhide__ = True
    torch.manual_seed(seed)
    block = kata.ResidualBlock(in_channels, out_channels, stride)
    if not isinstance(block, nn.Module):
        raise AssertionError(f"ResidualBlock(...) is a {type(block).__name__}, not an nn.Module.")
    block = block.to(device=device, dtype=torch.float64)
    # random BatchNorm affine parameters and running statistics, so none of them is trivial
    gen = torch.Generator().manual_seed(100 + seed)
    for m in block.modules():
        if isinstance(m, nn.BatchNorm2d):
            n = m.num_features
            for t, lo in (
                (m.weight, 0.5),
                (m.bias, -0.5),
                (m.running_mean, -0.5),
                (m.running_var, 0.5),
            ):
                t.data.copy_(torch.rand(n, generator=gen, dtype=torch.float64) + lo)
    return block


def random_input(seed, channels, device, batch=3):
    gen = torch.Generator().manual_seed(seed)
    h, w = torch.randint(1, 9, (2,), generator=gen).tolist()
    return torch.randn(batch, channels, h, w, generator=gen, dtype=torch.float64).to(device)


def described(block, in_channels, out_channels, stride):
    return f"ResidualBlock({in_channels}, {out_channels}, stride={stride})"


def _bn(h, b, training):
    mean, var = b.running_mean, b.running_var
    if training:  # running statistics updated on copies, never on the block's own
        mean, var = mean.clone(), var.clone()
    return F.batch_norm(h, mean, var, b.weight, b.bias, training, b.momentum, b.eps)


def main_path(block, x, *, training):
    """bn2(conv2(relu(bn1(conv1(x))))) with F.* and the block's weights."""
    stride = block.conv1.stride
    out = F.relu(
        _bn(F.conv2d(x, block.conv1.weight, stride=stride, padding=1), block.bn1, training)
    )
    return _bn(F.conv2d(out, block.conv2.weight, padding=1), block.bn2, training)


def shortcut_path(block, x, *, training):
    if isinstance(block.shortcut, nn.Identity):
        return x
    conv, norm = block.shortcut[0], block.shortcut[1]
    return _bn(F.conv2d(x, conv.weight, stride=block.conv1.stride), norm, training)


def reference(block, x, *, training):
    """The block's forward with F.* (BatchNorm running statistics updated on copies)."""
    return F.relu(
        main_path(block, x, training=training) + shortcut_path(block, x, training=training)
    )


def relu_before_add(block, x, *, training):
    """The classic wrong block, relu(main) + shortcut(x), for telling that mistake apart."""
    main = main_path(block, x, training=training)
    return F.relu(main) + shortcut_path(block, x, training=training)


SHORTCUT_MISTAKE = (
    "the projection shortcut is needed when the channels OR the stride change; with stride 2 "
    "an identity shortcut keeps H and W and cannot be added."
)
INPLACE_MISTAKE = (
    "`out = self.shortcut(x); out += main`: an identity shortcut returns x itself, so += "
    "writes into the caller's x (and autograd refuses it when x requires grad). Write "
    "main + self.shortcut(x)."
)


def call(block, x, what):
    """block(x), with a teaching message for the errors a wrong shortcut or a += causes."""
    __tracebackhide__ = True
    try:
        return block(x)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        text = str(err)
        if "must match the size of tensor" in text:  # main + shortcut(x) do not line up
            why = SHORTCUT_MISTAKE
        elif "leaf Variable that requires grad" in text or "in-place operation" in text:
            why = INPLACE_MISTAKE
        else:
            raise  # not one the test anticipates: the harness reports it as it is
        raise AssertionError(
            f"{what} raised RuntimeError on x of shape {tuple(x.shape)}: {err}. Likely "
            f"mistake: {why}"
        ) from err


def check_main_path(block, in_channels, out_channels, stride):
    """conv1 and conv2 as the docstring lists them, before any value is compared."""
    __tracebackhide__ = True
    what = described(block, in_channels, out_channels, stride)
    for name, c_in, s in (("conv1", in_channels, stride), ("conv2", out_channels, 1)):
        conv = getattr(block, name, None)
        if not isinstance(conv, nn.Conv2d):
            raise AssertionError(f"{what}.{name} is {conv!r}, expected an nn.Conv2d.")
        got = (conv.in_channels, conv.out_channels, conv.kernel_size, conv.stride, conv.padding)
        want = (c_in, out_channels, (3, 3), (s, s), (1, 1))
        if got != want or conv.bias is not None:
            hint = (
                "the stride belongs to conv1 (it downsamples first); conv2 keeps the size."
                if conv.stride != (s, s)
                else "bias=False: the BatchNorm right after each conv has its own shift, so a "
                "conv bias is redundant (and differs from ResNet's checkpoints)."
                if conv.bias is not None
                else "3x3 kernels with padding=1."
            )
            raise AssertionError(
                f"{what}.{name} is {conv!r}, expected Conv2d({c_in}, {out_channels}, "
                f"kernel_size=3, stride={s}, padding=1, bias=False). Likely mistake: {hint}"
            )


def check_shortcut_kind(block, in_channels, out_channels, stride):
    __tracebackhide__ = True
    what = described(block, in_channels, out_channels, stride)
    shortcut = getattr(block, "shortcut", None)
    if in_channels == out_channels and stride == 1:
        if not isinstance(shortcut, nn.Identity):
            raise AssertionError(
                f"{what}.shortcut is {type(shortcut).__name__}, expected nn.Identity: the shapes "
                f"match, so x is added as it is (no parameters on the shortcut)."
            )
        return
    convs = [m for m in shortcut.modules() if isinstance(m, nn.Conv2d)] if shortcut else []
    norms = [m for m in shortcut.modules() if isinstance(m, nn.BatchNorm2d)] if shortcut else []
    if len(convs) != 1 or len(norms) != 1:
        cause = (
            "the projection is needed when the channels OR the stride change."
            if not convs
            else "the projection is one 1x1 Conv2d followed by BatchNorm2d (no more, no less)."
        )
        raise AssertionError(
            f"{what}.shortcut should be a projection, Sequential(Conv2d 1x1, BatchNorm2d); got "
            f"{shortcut!r}. Likely mistake: {cause}"
        )
    (conv,) = convs
    if conv.kernel_size != (1, 1) or conv.stride != (stride, stride) or conv.bias is not None:
        raise AssertionError(
            f"{what}: the shortcut conv is {conv!r}, expected Conv2d({in_channels}, "
            f"{out_channels}, kernel_size=1, stride={stride}, bias=False)."
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize(("cin", "cout", "stride"), CASES, ids=IDS)
def test_output_shape_and_shortcut(cin, cout, stride, device):
    block = build(cin, cout, stride, device)
    check_shortcut_kind(block, cin, cout, stride)
    what = described(block, cin, cout, stride)
    for seed in range(3):
        x = random_input(seed, cin, device)
        out = call(block, x, what)
        h, w = x.shape[2:]
        expected = (x.shape[0], cout, -(-h // stride), -(-w // stride))
        if tuple(out.shape) != expected:
            raise AssertionError(
                f"{what}(x) for x of shape {tuple(x.shape)} has shape {tuple(out.shape)}, "
                f"expected {expected}."
            )


@pytest.mark.task(1)
@pytest.mark.parametrize(("cin", "cout", "stride"), CASES, ids=IDS)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_forward_matches_reference(cin, cout, stride, training, device):
    block = build(cin, cout, stride, device, seed=stride + cout)
    check_main_path(block, cin, cout, stride)
    check_shortcut_kind(block, cin, cout, stride)
    block.train(training)
    what = f"{described(block, cin, cout, stride)} in {'train' if training else 'eval'} mode"
    for seed in range(2):
        x = random_input(10 + seed, cin, device)
        expected = reference(block, x, training=training)
        got = call(block, x, what)
        mistake = "the forward differs from relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))."
        if isinstance(got, torch.Tensor) and got.shape == expected.shape:
            # a second check: is it the classic relu(main) + shortcut(x)?
            if torch.allclose(got, relu_before_add(block, x, training=training)):
                mistake = (
                    "the last ReLU must come after the addition, relu(main + shortcut(x)), not "
                    "relu(main) + shortcut(x)."
                )
            else:
                mistake += (
                    " The layers are as listed, so the order in forward differs: the ReLU "
                    "between bn1 and conv2, bn2 before the sum, or a layer skipped."
                )
        assert_tensor_close(got, expected, what=what, mistake=mistake)


@pytest.mark.task(1)
@pytest.mark.parametrize(("cin", "cout", "stride"), CASES[:3], ids=IDS[:3])
def test_forward_does_not_modify_input(cin, cout, stride, device):
    block = build(cin, cout, stride, device)
    x = random_input(3, cin, device)
    before = x.clone()
    call(block, x, described(block, cin, cout, stride))
    if not torch.equal(x, before):
        raise AssertionError(
            f"{described(block, cin, cout, stride)}(x) changed the caller's x in place. Likely "
            f"mistake: `out = self.shortcut(x); out += main`: an identity shortcut returns x "
            f"itself, so += writes into it. Write main + self.shortcut(x)."
        )


# ----------------------------------------------------------------------------- task 2


def zeroed(cin, cout, stride, device, training):
    __tracebackhide__ = True
    block = build(cin, cout, stride, device, seed=cin + cout)
    with torch.no_grad():
        block.bn2.bias.zero_()  # as built; build() randomised it
    block.train(training)
    before = {k: v.clone() for k, v in block.state_dict().items()}
    flags = {n: p.requires_grad for n, p in block.named_parameters()}
    modes = {n: m.training for n, m in block.named_modules()}
    gamma, storage = block.bn2.weight, block.bn2.weight.data_ptr()
    result = kata.zero_init_residual(block)
    if result is not None:
        raise AssertionError("zero_init_residual(block) should work in place and return None.")
    if block.bn2.weight is not gamma:
        raise AssertionError(
            "after zero_init_residual(block), block.bn2.weight is a new object, not the "
            "Parameter the block had: an optimizer built earlier still holds (and trains) the "
            "old one. Likely mistake: block.bn2.weight = nn.Parameter(torch.zeros(...)); zero "
            "the existing Parameter in place, under torch.no_grad()."
        )
    if block.bn2.weight.data_ptr() != storage:
        raise AssertionError(
            "after zero_init_residual(block), block.bn2.weight has new storage: not zeroed in "
            "place. Likely mistake: block.bn2.weight.data = torch.zeros(...), which swaps the "
            "memory under views and optimizer state; use weight.zero_() (or nn.init.zeros_) "
            "under torch.no_grad()."
        )
    after = block.state_dict()
    if torch.any(after["bn2.weight"] != 0):
        raise AssertionError("after zero_init_residual(block), block.bn2.weight is not all zero.")
    changed = [k for k in before if k != "bn2.weight" and not torch.equal(before[k], after[k])]
    if changed:
        raise AssertionError(
            f"zero_init_residual(block) changed {changed}; only bn2.weight should change. "
            f"Likely mistake: zeroing every BatchNorm weight, the shortcut's too: only bn2, the "
            f"end of the main path, starts at zero; the shortcut must carry the signal."
        )
    new_flags = {n: p.requires_grad for n, p in block.named_parameters()}
    new_modes = {n: m.training for n, m in block.named_modules()}
    if new_flags != flags or new_modes != modes:
        raise AssertionError(
            "zero_init_residual(block) changed "
            + ("requires_grad of some parameters" if new_flags != flags else "the block's mode")
            + ": nothing but the values of bn2.weight should change (bn2.weight is trained "
            "from zero, so it must keep requiring grad)."
        )
    return block


@pytest.mark.task(2)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_zero_init_identity_block_is_exactly_relu(training, device):
    block = zeroed(5, 5, 1, device, training)
    for seed in range(3):
        x = random_input(20 + seed, 5, device)
        got = call(block, x, "ResidualBlock(5, 5) after zero_init_residual")
        assert_tensor_close(
            got,
            F.relu(x),
            what=f"ResidualBlock(5, 5) after zero_init_residual, {'train' if training else 'eval'}"
            f" mode",
            rtol=0,
            atol=0,
            mistake="a weight other than bn2.weight zeroed (zeroing bn1 or a conv leaves the "
            "BatchNorm shift or running mean), or the ReLU placed before the addition.",
        )


@pytest.mark.task(2)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_zero_init_projection_block_keeps_the_shortcut(training, device):
    block = zeroed(3, 6, 2, device, training)
    check_shortcut_kind(block, 3, 6, 2)
    x = random_input(30, 3, device)
    norm = block.shortcut[1]
    short = F.batch_norm(
        F.conv2d(x, block.shortcut[0].weight, stride=2),
        norm.running_mean.clone(),
        norm.running_var.clone(),
        norm.weight,
        norm.bias,
        training,
        norm.momentum,
        norm.eps,
    )
    got = call(block, x, "ResidualBlock(3, 6, stride=2) after zero_init_residual")
    assert_tensor_close(
        got,
        F.relu(short),
        what="ResidualBlock(3, 6, stride=2) after zero_init_residual: relu(shortcut(x))",
        mistake="zeroing every BatchNorm weight, the shortcut's too: only bn2, the end of the "
        "main path, starts at zero; the shortcut must carry the signal.",
    )


@pytest.mark.task(2)
def test_zero_init_gradient_reaches_input_through_the_shortcut(device):
    block = zeroed(4, 4, 1, device, True)
    x = random_input(40, 4, device).requires_grad_(True)
    call(block, x, "ResidualBlock(4, 4) after zero_init_residual").sum().backward()
    assert_tensor_close(
        x.grad,
        (x.detach() > 0).to(x.dtype),
        what="d sum(block(x)) / dx for a zero-initialised identity block",
        mistake="no shortcut (the gradient of a zeroed main path is zero), or a detached shortcut.",
    )
    gamma = block.bn2.weight
    if not isinstance(gamma, nn.Parameter) or not gamma.requires_grad or gamma.grad is None:
        raise AssertionError(
            "after zero_init_residual, block.bn2.weight should still be a trainable Parameter "
            "with a gradient. Likely mistake: replacing it with a plain tensor or "
            "requires_grad_(False); zero it in place under torch.no_grad()."
        )
    if not torch.any(gamma.grad != 0):
        raise AssertionError("block.bn2.weight got a zero gradient: it could never move from zero.")


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize(
    ("cin", "cout", "n", "stride"), [(3, 8, 3, 2), (4, 4, 2, 1), (2, 6, 1, 1), (4, 4, 3, 2)]
)
def test_stage_structure_and_shape(cin, cout, n, stride, device):
    torch.manual_seed(0)
    stage = kata.make_stage(cin, cout, n, stride)
    what = f"make_stage({cin}, {cout}, num_blocks={n}, stride={stride})"
    if not isinstance(stage, nn.Sequential) or len(stage) != n:
        raise AssertionError(f"{what} should be an nn.Sequential of {n} blocks, got {stage!r}.")
    if len({id(block) for block in stage}) != n:
        raise AssertionError(
            f"{what} holds the same block object more than once: its {n} blocks share one set "
            f"of weights. Likely mistake: [ResidualBlock(...)] * (num_blocks - 1) repeats one "
            f"object; build a new ResidualBlock for each position."
        )
    for i, block in enumerate(stage):
        bi, bs = (cin, stride) if i == 0 else (cout, 1)
        if block.conv1.stride != (bs, bs):
            raise AssertionError(
                f"{what}: block {i} has stride {block.conv1.stride[0]}, expected {bs}. Likely "
                f"mistake: the stride goes on the first block only; the others keep the size."
            )
        check_shortcut_kind(block, bi, cout, bs)
    stage = stage.to(device=device, dtype=torch.float64)
    x = random_input(50, cin, device)
    out = stage(x)
    h, w = x.shape[2:]
    expected = (x.shape[0], cout, -(-h // stride), -(-w // stride))
    if tuple(out.shape) != expected:
        raise AssertionError(f"{what}(x) has shape {tuple(out.shape)}, expected {expected}.")


@pytest.mark.task(3)
@pytest.mark.parametrize("n", [0, -1])
def test_stage_rejects_fewer_than_one_block(n):
    assert_raises(
        ValueError,
        kata.make_stage,
        3,
        8,
        n,
        what=f"make_stage(3, 8, num_blocks={n})",
        mistake="no check num_blocks >= 1: the first block is built whatever the count, so a "
        "stage of 0 blocks silently has 1.",
    )
