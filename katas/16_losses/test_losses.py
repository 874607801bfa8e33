"""Tests for kata 16: losses from scratch, checked against torch.nn.functional on random inputs."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, forbid, load_kata

kata = load_kata(__file__)

# the functions tasks 1-3 and 5 ask you to write, and their shortcuts (the nn.*Loss modules
# call these too)
FORBIDDEN = (
    "torch.nn.functional.mse_loss",
    "torch.nn.functional.binary_cross_entropy_with_logits",
    "torch.nn.functional.binary_cross_entropy",
    "torch._C._nn.binary_cross_entropy",
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
MSE_FORMULA = (
    "the elementwise loss is (pred - target) ** 2; then 'mean' averages every element, "
    "'sum' adds them and 'none' keeps pred's shape."
)


def mse_mistake(pred, target, reduction, got):
    """MSE_MISTAKE when `got` is the sum over features averaged over rows, else the formula."""
    if reduction == "mean" and pred.dim() > 1 and isinstance(got, torch.Tensor):
        per_row = ((pred - target) ** 2).sum(-1).mean()
        if got.shape == () and torch.isclose(got.detach().to(per_row), per_row):
            return MSE_MISTAKE
    return MSE_FORMULA


@pytest.mark.task(1)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_equals_torch(reduction, device):
    gen = gen_for(1)
    for shape in SHAPES:
        pred, target = rand(shape, gen, device), rand(shape, gen, device)
        what = f"mse_loss(pred, target, reduction={reduction!r}) for shape {shape}"
        got = call("mse_loss", pred, target, reduction=reduction)
        expected = nn.MSELoss(reduction=reduction)(pred, target)  # = F.mse_loss
        mistake = mse_mistake(pred, target, reduction, got)
        assert_tensor_close(got, expected, what=what, mistake=mistake)


@pytest.mark.task(1)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse_loss_of_empty_and_float32_inputs(reduction, device):
    gen = gen_for(5)
    for pred, target in [
        (torch.empty(0, 3, device=device), torch.empty(0, 3, device=device)),
        (rand((4, 1, 3), gen, device, dtype=torch.float32), rand((4, 1, 3), gen, device)),
    ]:
        target = target.to(pred.dtype)
        what = f"mse_loss(pred {tuple(pred.shape)} {pred.dtype}, reduction={reduction!r})"
        got = call("mse_loss", pred, target, reduction=reduction)
        # the mean of no elements is NaN in torch too (0 / 0); 'sum' is 0, 'none' is empty
        expected = F.mse_loss(pred, target, reduction=reduction)
        mistake = mse_mistake(pred, target, reduction, got)
        if pred.numel() == 0 and reduction == "mean":
            mistake = (
                "the mean of no elements is NaN (0 / 0), in torch too: a guard such as "
                "sum / max(numel, 1) returns 0 and hides an empty batch; use .mean()."
            )
        assert_tensor_close(got, expected, what=what, mistake=mistake, equal_nan=True)


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
        mistake=mse_mistake(pred, target, "mean", mean_got),
    )


def check_unknown_reduction(name, device):
    __tracebackhide__ = True
    logits = torch.full((3, 4), 0.5, device=device)
    target = torch.zeros(3, dtype=torch.long, device=device) if name == "cross_entropy" else logits
    for reduction in ("average", "Mean", "batchmean"):
        assert_raises(
            ValueError,
            call,
            name,
            logits,
            target,
            reduction=reduction,
            what=f"{name}(..., reduction={reduction!r})",
            mistake="only 'mean', 'sum' and 'none' are reductions, and a typo must not pass "
            "silently (an if/else whose else branch averages hides it), nor raise another "
            "error (a dict lookup raises KeyError, not the ValueError promised); check the "
            "reduction and raise ValueError.",
        )


@pytest.mark.task(1)
def test_mse_loss_unknown_reduction_raises_value_error(device):
    check_unknown_reduction("mse_loss", device)


# ----------------------------------------------------------------------------- task 2

BCE_MISTAKE = (
    "log(sigmoid(x)) computed directly (sigmoid(-1000) rounds to 0 and log(0) = -inf), or "
    "log(1 + exp(x)) (or exp(-x)) as written, where exp(1000) overflows to inf. Use "
    "max(x, 0) - x * t + log1p(exp(-|x|)), where exp never sees a positive number."
)
BCE_FORMULA = (
    "the loss per element is max(x, 0) - x * t + log1p(exp(-|x|)) (t may be soft, any value "
    "in [0, 1]), then torch's reduction."
)
BCE_SATURATED = (
    "finite, but not torch's value for |x| up to 1000: computed through sigmoid(x) (or a "
    "clamp), the loss saturates once sigmoid rounds to 0 or 1. Work from the logit: "
    "max(x, 0) - x * t + log1p(exp(-|x|))."
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
        expected = nn.BCEWithLogitsLoss(reduction=reduction)(logits, target)
        assert_tensor_close(got, expected, what=what, mistake=BCE_FORMULA)


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
    assert_tensor_close(got, expected, what=what, mistake=BCE_SATURATED)
    assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=BCE_SATURATED)


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
        mistake="torch's gradient is sigmoid(x) - t: a formula that is right in value but not "
        "differentiable as written (a .detach(), .item() or a clamp that cuts the gradient).",
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
    for seed, (n, c) in enumerate([(1, 1), (1, 5), (6, 3), (16, 10), (5, 7)]):
        logits, target = ce_inputs(30 + seed, n, c, device, scale=4.0)
        if seed == 4:  # a transposed view: not contiguous
            logits = logits.t().contiguous().t()
        what = f"cross_entropy(logits {(n, c)}, target {(n,)}, reduction={reduction!r})"
        got = call("cross_entropy", logits, target, reduction=reduction)
        expected = nn.CrossEntropyLoss(reduction=reduction)(logits, target)
        mistake = (
            "the log-probability of the wrong class (gather along dim 1, the classes), or a "
            "reduction that is not torch's."
        )
        if isinstance(got, torch.Tensor) and got.shape == (n, n):
            mistake = (
                "logits[:, target] picks every target's class in every row, an (N, N) "
                "matrix; pick one entry per row with logits.gather(1, target[:, None]) or "
                "logits[torch.arange(N), target]."
            )
        assert_tensor_close(got, expected, what=what, mistake=mistake)


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
    why = CE_MISTAKE
    if isinstance(got, torch.Tensor) and got.shape == (4,):
        # a second check, by row: row 2 (all -1000) lies 2000 below the tensor's max (1000)
        if bool(torch.isfinite(got[0])) and not bool(torch.isfinite(got[2])):
            why = (
                "the shift is the max of the whole tensor (logits.max()), not each row's: row "
                "2, all -1000, sits 2000 below it, exp(-2000) = 0 and log(0) = -inf. Subtract "
                "logits.max(dim=1, keepdim=True).values."
            )
    check_finite(got, what, why)
    check_finite(g_got, f"the gradient of {what}", why)
    expected, g_exp = grads(
        lambda x, t: F.cross_entropy(x, t, reduction="none"), (logits, target), 4
    )
    ce_wrong = (
        "finite, but not torch's value at logits of +-1000. Usual causes: adding the max "
        "back before subtracting the true class's logit (in float32, 1000 + log(2) rounds; "
        "use log(sum(exp(z))) - z[target] with the shifted z = x - max), or the true "
        "class picked along the wrong dim."
    )
    assert_tensor_close(got, expected, what=what, mistake=ce_wrong)
    assert_tensor_close(g_got, g_exp, what=f"the gradient of {what}", mistake=ce_wrong)


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
        got,
        expected,
        what="gradient of cross_entropy w.r.t. logits",
        mistake="torch's gradient is softmax(x) - one_hot(target): a value that is right but "
        "not differentiable as written (.detach(), .item(), or max taken with .data).",
    )


@pytest.mark.task(3)
def test_cross_entropy_unknown_reduction_raises_value_error(device):
    check_unknown_reduction("cross_entropy", device)


# ----------------------------------------------------------------------------- task 4

CTC_MISTAKE = (
    "F.ctc_loss wants log-probabilities (log_softmax over the classes, dim=-1, not raw "
    "logits) laid out time first, (T, B, C): transpose(0, 1) the batch-first logits (not "
    "reshape or view, which keep the memory order and scramble the frames)."
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
    if isinstance(got, torch.Tensor) and got.shape == () and b > 1:
        raise AssertionError(
            f"{what} returned one number (shape ()), expected one loss per sequence, shape "
            f"({b},). Likely mistake: F.ctc_loss's default reduction is 'mean' (each loss "
            f"divided by its target length, then averaged); pass reduction='none'."
        )
    assert_tensor_close(got, expected, what=what, mistake=CTC_MISTAKE)
    module_form = nn.CTCLoss(blank=0, reduction="none")  # the same function as a module
    log_probs = inputs[0].log_softmax(-1).transpose(0, 1)
    assert_tensor_close(got, module_form(log_probs, *inputs[1:]), what=what, mistake=CTC_MISTAKE)
    (g_got,) = torch.autograd.grad(got.sum(), leaf)
    ref_leaf = inputs[0].clone().requires_grad_(True)
    (g_exp,) = torch.autograd.grad(ctc_reference(ref_leaf, *inputs[1:]).sum(), ref_leaf)
    assert_tensor_close(g_got, g_exp, what=f"gradient of {what} w.r.t. logits", mistake=CTC_MISTAKE)


# ----------------------------------------------------------------------------- task 5

BCE_PROBS_FORMULA = (
    "-(t * log(p) + (1 - t) * log(1 - p)), each log clamped at -100 (as torch does), then "
    "torch's reduction."
)


def bce_probs_inputs(seed, shape, device, dtype=torch.float64):
    gen = gen_for(seed)
    probs = torch.rand(shape, generator=gen, dtype=torch.float64).clamp(1e-6, 1 - 1e-6)
    target = torch.rand(shape, generator=gen, dtype=torch.float64)
    hard = torch.rand(shape, generator=gen) < 0.5  # half hard labels, half soft
    target = torch.where(hard, target.round(), target)
    return probs.to(device, dtype), target.to(device, dtype)


@pytest.mark.task(5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_equals_torch(reduction, dtype, device):
    for i, shape in enumerate(SHAPES):
        probs, target = bce_probs_inputs(50 + i, shape, device, dtype)
        what = f"bce(probs, target, reduction={reduction!r}) for shape {shape}, {dtype}"
        got = call("bce", probs, target, reduction=reduction)
        expected = nn.BCELoss(reduction=reduction)(probs, target)  # = F.binary_cross_entropy
        assert_tensor_close(got, expected, what=what, mistake=BCE_PROBS_FORMULA)


@pytest.mark.task(5)
@pytest.mark.parametrize("seed", range(3))
def test_bce_gradient_equals_torch(seed, device):
    gen = gen_for(60 + seed)
    probs = torch.sigmoid(torch.randn(5, 4, generator=gen, dtype=torch.float64) * 4)
    probs = probs.clamp(1e-6, 1 - 1e-6).to(device)  # (p - t) / (p (1 - p)) is torch's there
    target = torch.rand(5, 4, generator=gen, dtype=torch.float64).to(device)
    _, got = grads(lambda p, t: call("bce", p, t, reduction="none"), (probs, target), seed)
    _, expected = grads(
        lambda p, t: F.binary_cross_entropy(p, t, reduction="none"), (probs, target), seed
    )
    assert_tensor_close(
        got,
        expected,
        what="gradient of bce(probs, target) w.r.t. probs, p in [1e-6, 1 - 1e-6]",
        mistake="torch's gradient is (p - t) / (p (1 - p)): a loss that is right in value "
        "but not differentiable as written (.detach(), .item(), or p clipped with a clamp "
        "that cuts its gradient).",
    )


@pytest.mark.task(5)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_bce_is_finite_at_probabilities_exactly_0_and_1(dtype, device):
    """Probabilities of exactly 0 and 1 are legal: each log clamps at -100, as torch's."""
    probs = torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0], dtype=dtype, device=device)
    target = torch.tensor([1.0, 0.0, 0.0, 1.0, 0.5, 0.5, 0.25, 0.75], dtype=dtype, device=device)
    what = (
        f"bce(probs, target, reduction='none') for probs {probs.tolist()}, targets "
        f"{target.tolist()} ({dtype})"
    )
    try:
        got = call("bce", probs, target, reduction="none")
    except ValueError as err:
        raise AssertionError(
            f"{what} raised ValueError ({err}). Likely mistake: probabilities of exactly 0 "
            f"or 1 are legal (a sigmoid in float32 reaches both): reject only values below "
            f"0 or above 1."
        ) from err
    expected = F.binary_cross_entropy(probs, target, reduction="none")  # 100, 100, 0, 0, 50, ...
    if isinstance(got, torch.Tensor) and got.shape == expected.shape:
        if not torch.isfinite(got).all():
            raise AssertionError(
                f"{what}: got {got.tolist()}, expected {expected.tolist()}. Likely mistake: "
                f"log(0) is -inf, and 0 * -inf is NaN: torch clamps each log term at -100 "
                f"before weighting it by t or 1 - t (clamping the total loss is too late)."
            )
        if not torch.allclose(got, expected):
            raise AssertionError(
                f"{what}: got {got.tolist()}, expected {expected.tolist()}. Likely mistake: "
                f"torch clamps each log term at -100, so a confident mistake costs exactly 100; "
                f"it does not add an epsilon to p, nor clip the probabilities into "
                f"[eps, 1 - eps] (that gives -log(eps) instead)."
            )
    assert_tensor_close(got, expected, what=what, mistake=BCE_PROBS_FORMULA)


@pytest.mark.task(5)
def test_bce_rejects_probabilities_outside_0_1(device):
    gen = gen_for(70)
    logits = torch.randn(6, generator=gen, dtype=torch.float64).mul(3).to(device)
    for probs, said in [
        (torch.tensor([0.2, 1.5], dtype=torch.float64, device=device), "1.5"),
        (torch.tensor([-0.1, 0.5], dtype=torch.float64, device=device), "-0.1"),
        (logits, "logits, not sigmoid(logits)"),
    ]:
        assert_raises(
            ValueError,
            call,
            "bce",
            probs,
            torch.zeros_like(probs),
            what=f"bce(probs, target) with probs containing {said}",
            mistake="bce expects probabilities: a value outside [0, 1] means logits were "
            "passed by mistake. Raise ValueError (torch's F.binary_cross_entropy refuses "
            "them too).",
        )


@pytest.mark.task(5)
def test_bce_unknown_reduction_raises_value_error(device):
    check_unknown_reduction("bce", device)


@pytest.mark.task(5)
def test_bce_of_sigmoid_saturates_where_bce_with_logits_does_not(device):
    """Why BCEWithLogits exists: in float32, sigmoid(20) is 1.0 and the loss hits the clamp."""
    x = torch.tensor([20.0, 50.0], device=device)  # float32, confidently wrong: target 0
    target = torch.zeros(2, device=device)
    probs = torch.sigmoid(x)  # rounds to exactly 1.0 in float32
    through_probs = call("bce", probs, target, reduction="none")
    on_logits = call("bce_with_logits", x, target, reduction="none")
    assert_tensor_close(
        through_probs,
        F.binary_cross_entropy(probs, target, reduction="none"),  # [100, 100]
        what="bce(sigmoid(x), 0) at x = [20, 50] in float32 (sigmoid(x) rounds to 1.0)",
        mistake="log(1 - 1) is -inf; torch clamps it at -100, so the loss is exactly 100, "
        "whatever the true logit. (An epsilon or a clip gives another number.)",
    )
    mistake = BCE_FORMULA
    if isinstance(on_logits, torch.Tensor) and torch.allclose(
        on_logits.detach().float().cpu(), torch.full((2,), 100.0)
    ):
        mistake = (
            "computed through sigmoid, the probability rounds to 1.0 (sigmoid rounds to 1 in "
            "float32 from x of about 17) and the loss stops at the clamp (100), with a zero "
            "gradient. Work from the logit: max(x, 0) - x * t + log1p(exp(-|x|)) gives 20 "
            "and 50."
        )
    assert_tensor_close(
        on_logits,
        F.binary_cross_entropy_with_logits(x, target, reduction="none"),  # [20, 50]
        what="bce_with_logits(x, 0) at x = [20, 50] in float32",
        mistake=mistake,
    )


EMPTY_REFERENCE = {
    "bce_with_logits": F.binary_cross_entropy_with_logits,
    "cross_entropy": F.cross_entropy,
    "bce": F.binary_cross_entropy,
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.task(task), id=name)
        for task, name in [(2, "bce_with_logits"), (3, "cross_entropy"), (5, "bce")]
    ],
)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_losses_of_an_empty_batch(name, reduction, device):
    """An empty batch gives torch's answer: NaN for 'mean', 0 for 'sum', empty for 'none'."""
    if name == "cross_entropy":
        inputs = (torch.empty(0, 4, device=device), torch.empty(0, dtype=torch.long, device=device))
    else:
        inputs = (torch.empty(0, 3, device=device), torch.empty(0, 3, device=device))
    what = f"{name}(a batch of shape {tuple(inputs[0].shape)}, ..., reduction={reduction!r})"
    try:
        got = call(name, *inputs, reduction=reduction)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        if "numel() == 0" not in str(err):
            raise
        raise AssertionError(
            f"{what} raised RuntimeError: {err} Likely mistake: min() or max() of an empty "
            f"tensor (a range check written as probs.min() < 0 or probs.max() > 1, or a "
            f"max without dim=); check ((probs < 0) | (probs > 1)).any() instead."
        ) from err
    expected = EMPTY_REFERENCE[name](*inputs, reduction=reduction)
    assert_tensor_close(
        got,
        expected,
        what=what,
        mistake="the mean of no elements is NaN, as torch's; the sum is 0.",
        equal_nan=True,
    )


# ----------------------------------------------------------------------------- all tasks


def untouched_inputs(name, device):
    gen = gen_for(80)
    if name == "ctc_loss":
        return ctc_inputs(81, 2, 9, 4, device)
    if name == "cross_entropy":
        return ce_inputs(82, 4, 5, device, scale=3.0)
    if name == "bce":
        return bce_probs_inputs(83, (3, 4), device)
    if name == "bce_with_logits":
        return bce_inputs(84, (3, 4), device, scale=3.0)
    return rand((3, 4), gen, device), rand((3, 4), gen, device)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.task(task), id=name)
        for task, name in enumerate(
            ["mse_loss", "bce_with_logits", "cross_entropy", "ctc_loss", "bce"], start=1
        )
    ],
)
def test_losses_leave_the_callers_tensors_alone(name, device):
    inputs = untouched_inputs(name, device)
    before = [t.clone() for t in inputs]
    if name == "ctc_loss":
        kata.ctc_loss(*inputs)
    else:
        call(name, *inputs)
    for i, (b, a) in enumerate(zip(before, inputs, strict=True)):
        if a.shape != b.shape or not torch.equal(a, b):
            raise AssertionError(
                f"{name}(...) changed the caller's argument {i} (shape {tuple(b.shape)}): a "
                f"loss must leave its inputs as they were (a training loop reuses them). "
                f"Likely mistake: an in-place operation on an argument (x -= ..., "
                f"x.clamp_(...)); write x = x - ... instead."
            )
