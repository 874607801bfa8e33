"""Tests for kata 16: losses from scratch, checked against torch.nn.functional on random inputs."""

import pytest
import torch
import torch.nn.functional as F

from torchkatas.harness import assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

# the functions tasks 1-3 ask you to write, and their shortcuts
FORBIDDEN = (
    "torch.nn.functional.mse_loss",
    "torch.nn.functional.binary_cross_entropy_with_logits",
    "torch.nn.functional.binary_cross_entropy",
    "torch.binary_cross_entropy_with_logits",
    "torch.nn.functional.logsigmoid",
    "torch.nn.functional.softplus",
    "torch.nn.functional.cross_entropy",
    "torch.nn.functional.nll_loss",
    "torch.nn.functional.log_softmax",
    "torch.log_softmax",
    "torch.Tensor.log_softmax",
)
REDUCTIONS = ("mean", "sum", "none")
SHAPES = [(), (1,), (7,), (3, 4), (2, 3, 5)]


def call(name: str, *args, **kwargs):
    """The learner's loss, with torch's own version of it switched off."""
    __tracebackhide__ = True
    with forbid(*FORBIDDEN, kata=kata):
        return getattr(kata, name)(*args, **kwargs)


def gen_for(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def rand(shape, gen, device, scale=1.0, dtype=torch.float64):
    return (torch.randn(shape, generator=gen, dtype=dtype) * scale).to(device)


def check_finite(got, what: str, mistake: str) -> None:
    __tracebackhide__ = True
    if isinstance(got, torch.Tensor) and not torch.isfinite(got).all():
        raise AssertionError(
            f"{what}: got non-finite values ({got.flatten()[:6].tolist()}...). "
            f"Likely mistake: {mistake}"
        )


def grads(loss_fn, inputs, seed):
    """Gradients of a random weighting of loss_fn(*inputs) with respect to inputs[0]."""
    leaf = inputs[0].detach().clone().requires_grad_(True)
    out = loss_fn(leaf, *inputs[1:])
    weights = torch.rand(out.shape, generator=gen_for(seed), dtype=out.dtype).to(out.device)
    (g,) = torch.autograd.grad((out * weights).sum(), leaf)
    return out, g


# ----------------------------------------------------------------------------- task 1

MSE_MISTAKE = (
    "'mean' must average over every element (like torch), not sum the features and then "
    "average over the batch."
)


@pytest.mark.task(1)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_equals_torch(reduction, device):
    gen = gen_for(1)
    for shape in SHAPES:
        pred, target = rand(shape, gen, device), rand(shape, gen, device)
        what = f"mse_loss(pred, target, reduction={reduction!r}) for shape {shape}"
        got = call("mse_loss", pred, target, reduction=reduction)
        expected = F.mse_loss(pred, target, reduction=reduction)
        assert_tensor_close(got, expected, what=what, mistake=MSE_MISTAKE)


@pytest.mark.task(1)
def test_mse_loss_gradient_equals_torch(device):
    gen = gen_for(2)
    pred, target = rand((4, 6), gen, device), rand((4, 6), gen, device)
    _, got = grads(lambda p, t: call("mse_loss", p, t, reduction="none"), (pred, target), 0)
    _, expected = grads(lambda p, t: F.mse_loss(p, t, reduction="none"), (pred, target), 0)
    assert_tensor_close(got, expected, what="gradient of mse_loss(pred, target) w.r.t. pred")
    mean_got = call("mse_loss", pred.t(), target.t())  # non-contiguous
    assert_tensor_close(
        mean_got,
        F.mse_loss(pred, target),
        what="mse_loss of transposed inputs",
        mistake=MSE_MISTAKE,
    )


def check_unknown_reduction(name, device):
    __tracebackhide__ = True
    logits = torch.zeros(3, 4, device=device)
    target = torch.zeros(3, dtype=torch.long, device=device) if name == "cross_entropy" else logits
    try:
        call(name, logits, target, reduction="average")
    except ValueError:
        return
    raise AssertionError(
        f"{name}(..., reduction='average') did not raise ValueError: only 'mean', 'sum' and "
        f"'none' are reductions, and a typo must not pass silently."
    )


@pytest.mark.task(1)
def test_mse_loss_unknown_reduction_raises_value_error(device):
    check_unknown_reduction("mse_loss", device)


# ----------------------------------------------------------------------------- task 2

BCE_MISTAKE = (
    "log(sigmoid(x)) computed directly: sigmoid(-1000) rounds to 0 and log(0) = -inf. Use "
    "max(x, 0) - x * t + log1p(exp(-|x|)), where exp never sees a positive number."
)


def bce_inputs(seed, shape, device, scale):
    gen = gen_for(seed)
    logits = rand(shape, gen, device, scale)
    target = torch.rand(shape, generator=gen, dtype=torch.float64).to(device)
    hard = torch.rand(shape, generator=gen) < 0.5  # half hard labels, half soft
    target = torch.where(hard.to(device), target.round(), target)
    return logits, target


@pytest.mark.task(2)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_equals_torch(reduction, device):
    for i, shape in enumerate(SHAPES):
        logits, target = bce_inputs(10 + i, shape, device, scale=3.0)
        what = f"bce_with_logits(logits, target, reduction={reduction!r}) for shape {shape}"
        got = call("bce_with_logits", logits, target, reduction=reduction)
        expected = F.binary_cross_entropy_with_logits(logits, target, reduction=reduction)
        assert_tensor_close(got, expected, what=what, mistake=BCE_MISTAKE)


@pytest.mark.task(2)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_bce_with_logits_is_finite_for_extreme_logits(dtype, device):
    logits = torch.tensor([-1000.0, -100.0, -30.0, 30.0, 100.0, 1000.0] * 2, dtype=dtype)
    target = torch.tensor([1.0] * 6 + [0.0] * 6, dtype=dtype)  # every confident mistake
    logits, target = logits.to(device), target.to(device)
    what = f"bce_with_logits(logits, target, reduction='none') for logits +-1000 ({dtype})"
    got, g_got = grads(
        lambda x, t: call("bce_with_logits", x, t, reduction="none"), (logits, target), 3
    )
    check_finite(got, what, BCE_MISTAKE)
    check_finite(g_got, f"the gradient of {what}", BCE_MISTAKE)
    expected, g_exp = grads(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"), (logits, target), 3
    )
    assert_tensor_close(got, expected, what=what, mistake=BCE_MISTAKE)
    assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=BCE_MISTAKE)


@pytest.mark.task(2)
@pytest.mark.parametrize("seed", range(3))
def test_bce_with_logits_gradient_equals_torch(seed, device):
    logits, target = bce_inputs(20 + seed, (5, 4), device, scale=20.0)
    _, got = grads(
        lambda x, t: call("bce_with_logits", x, t, reduction="none"), (logits, target), seed
    )
    _, expected = grads(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="none"),
        (logits, target),
        seed,
    )
    assert_tensor_close(
        got,
        expected,
        what="gradient of bce_with_logits w.r.t. logits (|x| ~ 20)",
        mistake=BCE_MISTAKE,
    )


@pytest.mark.task(2)
def test_bce_with_logits_unknown_reduction_raises_value_error(device):
    check_unknown_reduction("bce_with_logits", device)


# ----------------------------------------------------------------------------- task 3

CE_MISTAKE = (
    "exp(logits) without subtracting the row max first: exp(1000) overflows to inf and "
    "inf / inf is NaN. log-softmax = z - max - log(sum(exp(z - max)))."
)


def ce_inputs(seed, n, c, device, scale):
    gen = gen_for(seed)
    logits = rand((n, c), gen, device, scale)
    target = torch.randint(c, (n,), generator=gen).to(device)
    return logits, target


@pytest.mark.task(3)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_equals_torch(reduction, device):
    for seed, (n, c) in enumerate([(1, 1), (1, 5), (6, 3), (16, 10)]):
        logits, target = ce_inputs(30 + seed, n, c, device, scale=4.0)
        what = f"cross_entropy(logits {(n, c)}, target {(n,)}, reduction={reduction!r})"
        got = call("cross_entropy", logits, target, reduction=reduction)
        expected = F.cross_entropy(logits, target, reduction=reduction)
        assert_tensor_close(
            got,
            expected,
            what=what,
            mistake="the log-probability of the wrong class (gather along dim 1, the classes), "
            "or a reduction that is not torch's.",
        )


@pytest.mark.task(3)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_cross_entropy_is_finite_for_extreme_logits(dtype, device):
    logits = torch.tensor(
        [
            [1000.0, 0.0, -1000.0],
            [-1000.0, 1000.0, 999.0],
            [-1000.0, -1000.0, -1000.0],
            [500.0, 1000.0, 1000.0],
        ],
        dtype=dtype,
        device=device,
    )
    target = torch.tensor([2, 0, 1, 1], device=device)
    what = f"cross_entropy(logits, target, reduction='none') for logits of +-1000 ({dtype})"
    got, g_got = grads(
        lambda x, t: call("cross_entropy", x, t, reduction="none"), (logits, target), 4
    )
    check_finite(got, what, CE_MISTAKE)
    check_finite(g_got, f"the gradient of {what}", CE_MISTAKE)
    expected, g_exp = grads(
        lambda x, t: F.cross_entropy(x, t, reduction="none"), (logits, target), 4
    )
    assert_tensor_close(got, expected, what=what, mistake=CE_MISTAKE)
    assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=CE_MISTAKE)


@pytest.mark.task(3)
@pytest.mark.parametrize("seed", range(3))
def test_cross_entropy_gradient_equals_torch(seed, device):
    logits, target = ce_inputs(40 + seed, 8, 6, device, scale=10.0)
    _, got = grads(
        lambda x, t: call("cross_entropy", x, t, reduction="none"), (logits, target), seed
    )
    _, expected = grads(
        lambda x, t: F.cross_entropy(x, t, reduction="none"), (logits, target), seed
    )
    assert_tensor_close(
        got, expected, what="gradient of cross_entropy w.r.t. logits", mistake=CE_MISTAKE
    )


@pytest.mark.task(3)
def test_cross_entropy_unknown_reduction_raises_value_error(device):
    check_unknown_reduction("cross_entropy", device)


# ----------------------------------------------------------------------------- task 4

CTC_MISTAKE = (
    "F.ctc_loss wants log-probabilities (log_softmax over the classes, dim=-1, not raw "
    "logits) laid out time first, (T, B, C): transpose(0, 1) the batch-first logits."
)


def ctc_inputs(seed, b, t, c, device):
    gen = gen_for(seed)
    logits = rand((b, t, c), gen, device, scale=2.0)
    max_s = (t - 1) // 2  # T >= 2 S + 1 always leaves room for blanks between repeats
    target_lengths = torch.randint(1, max_s + 1, (b,), generator=gen)
    input_lengths = torch.randint(2 * max_s + 1, t + 1, (b,), generator=gen)
    input_lengths[0] = t  # at least one sequence uses every frame
    targets = torch.randint(1, c, (b, max_s), generator=gen)
    return logits, targets.to(device), input_lengths.to(device), target_lengths.to(device)


def ctc_reference(logits, targets, input_lengths, target_lengths):
    log_probs = logits.log_softmax(-1).transpose(0, 1)  # (T, B, C)
    return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, reduction="none")


@pytest.mark.task(4)
@pytest.mark.parametrize("b,t,c", [(3, 12, 5), (1, 7, 3), (6, 6, 4), (4, 15, 8)])
def test_ctc_loss_equals_torch_on_batch_first_logits(b, t, c, device):
    inputs = ctc_inputs(b * 100 + t, b, t, c, device)
    what = f"ctc_loss(logits of shape (B, T, C) = {(b, t, c)}, targets, lengths)"
    leaf = inputs[0].clone().requires_grad_(True)
    try:
        got = kata.ctc_loss(leaf, *inputs[1:])
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. Likely mistake: {CTC_MISTAKE}"
        ) from err
    expected = ctc_reference(*inputs)
    assert_tensor_close(got, expected, what=what, mistake=CTC_MISTAKE)
    (g_got,) = torch.autograd.grad(got.sum(), leaf)
    ref_leaf = inputs[0].clone().requires_grad_(True)
    (g_exp,) = torch.autograd.grad(ctc_reference(ref_leaf, *inputs[1:]).sum(), ref_leaf)
    assert_tensor_close(g_got, g_exp, what=f"gradient of {what} w.r.t. logits", mistake=CTC_MISTAKE)
