"""Tests for kata 45: a focal loss module, checked against the formula written as a plain
loop in float64, against F.cross_entropy at gamma = 0, and at extreme logits."""

import math

import pytest
import torch
import torch.nn.functional as F

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

GAMMAS = [0.0, 0.5, 1.0, 2.0, 3.7]
TIGHT = {"rtol": 1e-10, "atol": 1e-12}  # float64 against a float64 loop


# ----------------------------------------------------------------------------- the oracle


def oracle(logits, targets, gamma, alpha=None, ignore_index=-100, cls=None):
    """Per-sample focal loss, one sample at a time, in float64 (0 at ignored targets).

    cls(i, row, target) picks the class whose probability enters (1 - p) ** gamma; the
    right answer is the target's; the tests also use it to recognise wrong answers.
    """
    rows = logits.detach().double().cpu()
    out = []
    for i, t in enumerate(targets.tolist()):
        if t == ignore_index:
            out.append(0.0)
            continue
        row = rows[i]
        log_p = row - torch.logsumexp(row, 0)
        k = t if cls is None else cls(row, t)
        one_minus = -math.expm1(float(log_p[k]))  # 1 - p, accurate near p = 1
        a = 1.0 if alpha is None else float(alpha[t])
        out.append(-a * one_minus**gamma * float(log_p[t]))
    return torch.tensor(out, dtype=torch.float64)


def random_case(gen, device, dtype=torch.float64, n=None, c=None, scale=3.0):
    n = int(torch.randint(1, 9, (), generator=gen)) if n is None else n
    c = int(torch.randint(2, 7, (), generator=gen)) if c is None else c
    logits = (torch.randn(n, c, generator=gen, dtype=torch.float64) * scale).to(device, dtype)
    targets = torch.randint(0, c, (n,), generator=gen).to(device)
    return logits, targets


def make(**kwargs):
    return kata.FocalLoss(**kwargs)


def describe(kwargs) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def diagnose(got, logits, targets, gamma, alpha=None, ignore_index=-100) -> str:
    """The known wrong answer that explains `got` ("none" reduction), if one does."""
    got = got.detach().double().cpu()

    def close(expected):
        return got.shape == expected.shape and torch.allclose(got, expected, rtol=1e-6, atol=1e-9)

    if gamma > 0 and close(
        oracle(logits, targets, gamma, alpha, ignore_index, cls=lambda row, t: int(row.argmax()))
    ):
        return (
            "(1 - p) ** gamma used the probability of the PREDICTED class (the largest); "
            "use p_t, the probability of each sample's target class."
        )
    if alpha is not None:
        preds = logits.detach().argmax(1).cpu()
        wrong_alpha = oracle(logits, targets, gamma, None, ignore_index) * torch.tensor(
            [float(alpha[int(k)]) for k in preds], dtype=torch.float64
        )
        if close(wrong_alpha):
            return "alpha of the predicted class; alpha_t is alpha[target]."
        if close(oracle(logits, targets, gamma, None, ignore_index)):
            return "alpha was ignored."
    return "FL = -alpha_t * (1 - p_t) ** gamma * log(p_t), p_t of the target class."


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("gamma", GAMMAS)
def test_per_sample_loss_equals_the_formula(gamma, device):
    gen = torch.Generator().manual_seed(45 + int(gamma * 10))
    for _ in range(6):
        logits, targets = random_case(gen, device)
        loss_fn = make(gamma=gamma, reduction="none")
        what = f"FocalLoss(gamma={gamma}, reduction='none')(logits {tuple(logits.shape)}, targets)"
        got = loss_fn(logits, targets)
        assert_tensor_close(
            got,
            oracle(logits, targets, gamma).to(device),
            what=what,
            **TIGHT,
            mistake=diagnose(got, logits, targets, gamma),
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
def test_gamma_zero_is_cross_entropy_with_its_gradients(reduction, dtype, device):
    gen = torch.Generator().manual_seed(46)
    for _ in range(4):
        logits, targets = random_case(gen, device, dtype)
        x = logits.clone().requires_grad_(True)
        ref = logits.clone().requires_grad_(True)
        what = (
            f"FocalLoss(gamma=0, reduction={reduction!r})(logits {tuple(x.shape)} "
            f"{str(dtype)[6:]}, targets)"
        )
        got = make(gamma=0.0, reduction=reduction)(x, targets)
        expected = F.cross_entropy(ref, targets, reduction=reduction)
        mistake = "at gamma = 0 the focal term is 1 and FL = -log p_t, cross-entropy."
        if reduction == "mean" and torch.isclose(
            got.detach(), expected.detach() / logits.shape[1], rtol=1e-5
        ):
            mistake = (
                "the mean over every (sample, class) element (N * C); mean over the samples, N."
            )
        assert_tensor_close(got, expected, what=what, mistake=mistake)
        got.sum().backward()
        expected.sum().backward()
        assert_tensor_close(x.grad, ref.grad, what=f"{what}: the gradient of the logits")


@pytest.mark.task(1)
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_mean_and_sum_reduce_over_the_samples(reduction, device):
    gen = torch.Generator().manual_seed(47)
    for _ in range(5):
        logits, targets = random_case(gen, device)
        per_sample = oracle(logits, targets, 2.0).to(device)
        expected = per_sample.sum() if reduction == "sum" else per_sample.mean()
        what = f"FocalLoss(gamma=2, reduction={reduction!r})(logits {tuple(logits.shape)}, targets)"
        got = make(gamma=2.0, reduction=reduction)(logits, targets)
        mistake = "sum over the samples for 'sum'; divide that by N for 'mean'."
        if reduction == "mean" and got.dim() == 0:
            if torch.isclose(got.detach(), expected / logits.shape[1], **TIGHT):
                mistake = (
                    "the mean over every (sample, class) element (N * C), as .mean() on an "
                    "(N, C) tensor gives; the mean is over the N samples."
                )
        assert_tensor_close(got, expected, what=what, **TIGHT, mistake=mistake)


@pytest.mark.task(1)
@pytest.mark.parametrize("gamma", [0.0, 0.5, 1.0, 2.0])
def test_extreme_logits_give_finite_losses_and_gradients(gamma, device):
    # confidently right (p_t rounds to 1) and confidently wrong (p_t rounds to 0), float32
    logits = torch.tensor(
        [[1e4, 0.0, -1e4], [0.0, 1e4, 0.0], [1e4, 0.0, 0.0], [20.0, 0.0, 0.0]], device=device
    )
    targets = torch.tensor([0, 1, 2, 0], device=device)
    x = logits.clone().requires_grad_(True)
    what = (
        f"FocalLoss(gamma={gamma}, reduction='none')(logits with entries of +-1e4 and 20, targets)"
    )
    got = make(gamma=gamma, reduction="none")(x, targets)
    if not bool(torch.isfinite(got).all()):
        has_nan, has_inf = bool(torch.isnan(got).any()), bool(torch.isinf(got).any())
        log_of_zero = "softmax then log (log of a probability that rounds to 0 is -inf)"
        overflow = "a hand-written softmax whose exp(1e4) overflows (inf / inf is NaN)"
        if has_inf and not has_nan:
            why = log_of_zero
        elif has_nan and not has_inf:
            why = overflow
        else:
            why = f"{log_of_zero}, or {overflow}"
        raise AssertionError(
            f"{what} returned {got.tolist()}; expected finite losses. Likely mistake: {why}. "
            f"Use F.log_softmax."
        )
    assert_tensor_close(
        got,
        oracle(logits, targets, gamma).to(device, torch.float32),
        what=what,
        mistake="log p_t from log_softmax: -2e4 for the confidently wrong sample, 0 for the "
        "confidently right ones.",
    )
    got.sum().backward()
    if not bool(torch.isfinite(x.grad).all()):
        why = (
            "where p_t rounds to 1, 1 - p_t is 0 and (1 - p_t) ** gamma has an infinite "
            "slope for gamma < 1: inf * 0 = NaN. Take the power only where 1 - p_t > 0 "
            "(torch.where on a safe base)."
            if 0 < gamma < 1
            else "an operation with an infinite or undefined slope where p_t rounds to 0 or "
            "1 (a log of a probability, a division by 1 - p_t), even where torch.where masks "
            "its value out: backward still runs through it."
        )
        raise AssertionError(
            f"{what}: the gradient of the logits holds NaN or inf: {x.grad.tolist()}. Likely "
            f"mistake: {why}"
        )


@pytest.mark.task(1)
def test_inputs_are_not_modified_and_a_transposed_view_works(device):
    gen = torch.Generator().manual_seed(48)
    base = (torch.randn(5, 7, generator=gen, dtype=torch.float64) * 3).to(device)
    logits = base.t().requires_grad_(True)  # (7, 5), not contiguous
    targets = torch.randint(0, 5, (7,), generator=gen).to(device)
    before, targets_before = logits.detach().clone(), targets.clone()
    what = "FocalLoss(gamma=2, reduction='none')(logits (7, 5) transposed view, targets)"
    got = make(gamma=2.0, reduction="none")(logits, targets)
    assert_tensor_close(got, oracle(logits, targets, 2.0).to(device), what=what, **TIGHT)
    if not torch.equal(logits.detach(), before) or not torch.equal(targets, targets_before):
        raise AssertionError(
            f"{what} changed the caller's logits or targets. Likely mistake: an in-place op "
            f"such as logits -= logits.max(...) to stabilise; log_softmax needs no such step."
        )
    if not logits.requires_grad or logits.is_contiguous():
        raise AssertionError(f"{what} changed the caller's logits' flags.")


@pytest.mark.task(1)
def test_bad_settings_and_shapes_raise(device):
    for kwargs, problem in (
        ({"reduction": "avg"}, "reduction 'avg'"),
        ({"reduction": "batchmean"}, "reduction 'batchmean'"),
        ({"gamma": -1.0}, "gamma -1"),
    ):
        assert_raises(
            ValueError,
            kata.FocalLoss,
            **kwargs,
            what=f"FocalLoss({describe(kwargs)}) with {problem}",
            mistake="check reduction is 'none', 'mean' or 'sum', and gamma >= 0, in __init__ "
            "(a misspelt reduction must not quietly become 'mean').",
        )
    loss_fn = make(gamma=2.0)
    logits = torch.zeros(4, 3, device=device)
    targets = torch.zeros(4, dtype=torch.long, device=device)
    for args, problem in (
        ((logits[0], targets[:1]), "logits of shape (3,), not (N, C)"),
        ((logits.unsqueeze(0), targets), "logits of shape (1, 4, 3)"),
        ((logits, targets[:3]), "3 targets for 4 samples"),
        ((logits, targets.unsqueeze(1)), "targets of shape (4, 1)"),
    ):
        assert_raises(
            ValueError,
            loss_fn,
            *args,
            what=f"FocalLoss(gamma=2)(...) with {problem}",
            mistake="check logits.dim() == 2 and targets.shape == (N,): broadcasting or "
            "gather would otherwise return a loss for the wrong pairs.",
        )


@pytest.mark.task(1)
def test_the_module_has_no_parameters_and_keeps_the_dtype(device):
    loss_fn = make(gamma=1.5)
    if list(loss_fn.parameters()):
        raise AssertionError("FocalLoss(gamma=1.5) has parameters; a loss has none to train.")
    gen = torch.Generator().manual_seed(49)
    logits, targets = random_case(gen, device, torch.float32)
    got = loss_fn(logits, targets)
    if got.dtype != torch.float32 or got.dim() != 0:
        raise AssertionError(
            f"FocalLoss(gamma=1.5)(float32 logits, targets) returned {got.dtype} of shape "
            f"{tuple(got.shape)}; expected a 0-d float32 tensor (reduction 'mean')."
        )


# ----------------------------------------------------------------------------- task 2


def random_alpha(gen, c):
    return [float(a) for a in torch.rand(c, generator=gen, dtype=torch.float64) * 2]


@pytest.mark.task(2)
@pytest.mark.parametrize("gamma", [0.0, 2.0])
def test_alpha_weights_each_sample_by_its_target_class(gamma, device):
    gen = torch.Generator().manual_seed(50)
    for trial in range(6):
        logits, targets = random_case(gen, device)
        alpha = random_alpha(gen, logits.shape[1])
        given = alpha if trial % 2 else torch.tensor(alpha, device=device)  # list or tensor
        what = (
            f"FocalLoss(gamma={gamma}, alpha={type(given).__name__} of {len(alpha)}, "
            f"reduction='none')(logits {tuple(logits.shape)}, targets)"
        )
        got = make(gamma=gamma, alpha=given, reduction="none")(logits, targets)
        expected = oracle(logits, targets, gamma, alpha).to(device)
        assert_tensor_close(
            got,
            expected,
            what=what,
            rtol=1e-6,  # alpha is kept in float32
            atol=1e-9,
            mistake=diagnose(got, logits, targets, gamma, alpha),
        )


@pytest.mark.task(2)
def test_alpha_at_gamma_zero_matches_weighted_cross_entropy(device):
    gen = torch.Generator().manual_seed(51)
    for _ in range(4):
        logits, targets = random_case(gen, device, torch.float32, n=6)
        alpha = torch.tensor(random_alpha(gen, logits.shape[1]), dtype=torch.float32)
        weight = alpha.to(device)
        for reduction in ("none", "sum"):
            got = make(gamma=0.0, alpha=alpha, reduction=reduction)(logits, targets)
            expected = F.cross_entropy(logits, targets, weight=weight, reduction=reduction)
            assert_tensor_close(
                got,
                expected,
                what=f"FocalLoss(gamma=0, alpha, reduction={reduction!r}) against "
                f"F.cross_entropy(weight=alpha, reduction={reduction!r})",
            )
        got = make(gamma=0.0, alpha=alpha, reduction="mean")(logits, targets)
        summed = F.cross_entropy(logits, targets, weight=weight, reduction="sum")
        what = "FocalLoss(gamma=0, alpha, reduction='mean') on 6 samples"
        if torch.isclose(got, F.cross_entropy(logits, targets, weight=weight), rtol=1e-6):
            if not torch.isclose(got, summed / 6, rtol=1e-6):
                raise AssertionError(
                    f"{what} returned {got.item():.6g}, the sum divided by the sum of the "
                    f"targets' alpha weights (F.cross_entropy's weighted mean); this kata's "
                    f"mean divides by the number of counted targets: {(summed / 6).item():.6g}."
                )
        assert_tensor_close(got, summed / 6, what=f"{what}: the sum divided by 6")


@pytest.mark.task(2)
def test_alpha_is_a_buffer_that_moves_with_the_module(device):
    loss_fn = make(gamma=2.0, alpha=[0.25, 0.5, 2.0])
    buffers = dict(loss_fn.named_buffers())
    if "alpha" not in buffers:
        held = getattr(loss_fn, "alpha", None)
        if isinstance(held, torch.nn.Parameter):
            why = (
                "alpha made an nn.Parameter, which an optimizer would train; use "
                "self.register_buffer('alpha', ...)."
            )
        elif isinstance(held, torch.Tensor):
            why = (
                "self.alpha = tensor(...) makes a plain attribute that .to(device) does not "
                "move; use self.register_buffer('alpha', ...)."
            )
        else:
            why = (
                f"alpha kept as a {type(held).__name__}, not a tensor buffer; use "
                f"self.register_buffer('alpha', torch.tensor(alpha, dtype=torch.float32))."
            )
        raise AssertionError(
            "FocalLoss(alpha=[0.25, 0.5, 2.0]) has no buffer named alpha (its buffers: "
            f"{list(buffers)}). Likely mistake: {why}"
        )
    if buffers["alpha"].dtype != torch.float32 or buffers["alpha"].tolist() != [0.25, 0.5, 2.0]:
        raise AssertionError(
            f"the alpha buffer is {buffers['alpha']}; expected float32 [0.25, 0.5, 2.0]."
        )
    if make(gamma=2.0).alpha is not None:
        raise AssertionError("FocalLoss(gamma=2.0) without alpha should have alpha None.")
    moved = loss_fn.to(device)
    if moved.alpha.device.type != device.type:
        raise AssertionError(f"FocalLoss(...).to({device}) left alpha on {moved.alpha.device}.")
    logits = torch.zeros(2, 3, device=device)
    got = moved(logits, torch.tensor([0, 2], device=device))
    assert_tensor_close(
        got,
        torch.tensor((0.25 + 2.0) / 2 * math.log(3) * (2 / 3) ** 2, device=device),
        what="FocalLoss(gamma=2, alpha=[0.25, 0.5, 2.0])(zeros (2, 3), targets [0, 2])",
    )


@pytest.mark.task(2)
def test_bad_alpha_raises(device):
    for alpha, problem in (
        ([[1.0, 2.0]], "a 2-D alpha"),
        ([1.0, -0.5, 1.0], "a negative alpha entry"),
    ):
        assert_raises(
            ValueError,
            kata.FocalLoss,
            alpha=alpha,
            what=f"FocalLoss(alpha={alpha}) with {problem}",
            mistake="alpha must be 1-D, one weight >= 0 per class.",
        )
    loss_fn = make(alpha=[1.0, 1.0]).to(device)
    assert_raises(
        ValueError,
        loss_fn,
        torch.zeros(3, 4, device=device),
        torch.zeros(3, dtype=torch.long, device=device),
        what="FocalLoss(alpha of 2 classes)(logits (3, 4), targets): 4 classes",
        mistake="check that alpha has C entries; indexing alpha[target] only fails for a "
        "target >= len(alpha), and not always.",
    )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.parametrize("ignore_index", [-100, 255, 1])
def test_ignored_targets_count_for_nothing(ignore_index, device):
    gen = torch.Generator().manual_seed(52)
    for _ in range(4):
        logits, targets = random_case(gen, device, n=8, c=4)
        drop = torch.rand(8, generator=gen) < 0.4
        drop[0], drop[1] = True, False  # at least one of each
        targets = torch.where(drop.to(device), torch.full_like(targets, ignore_index), targets)
        if ignore_index == 1:  # a real class index as the ignore value: its samples drop out
            drop = (targets == 1).cpu()
        x = logits.clone().requires_grad_(True)
        kwargs = {"gamma": 2.0, "ignore_index": ignore_index}
        per_sample = oracle(logits, targets, 2.0, ignore_index=ignore_index).to(device)
        what = f"FocalLoss({describe(kwargs)}) on 8 samples, {int(drop.sum())} ignored"
        got = make(reduction="none", **kwargs)(x, targets)
        kept = (~drop).to(device)
        only_ignored = (
            isinstance(got, torch.Tensor)
            and got.shape == per_sample.shape
            and torch.allclose(got[kept].detach().to(per_sample.dtype), per_sample[kept], **TIGHT)
        )
        assert_tensor_close(
            got,
            per_sample,
            what=f"{what}, reduction='none'",
            **TIGHT,
            mistake="an ignored target gives 0 in the 'none' result (the other samples are right)."
            if only_ignored
            else "the samples that are not ignored are wrong too: see "
            "test_per_sample_loss_equals_the_formula (a real class used as ignore_index "
            "drops its samples).",
        )
        mean = make(reduction="mean", **kwargs)(logits, targets)
        counted = int((~drop).sum())
        if torch.isclose(mean, per_sample.sum() / 8, **TIGHT) and counted != 8:
            raise AssertionError(
                f"{what}, reduction='mean', returned the sum divided by 8: the mean counts "
                f"ignored targets. Divide by the {counted} targets that are not ignored."
            )
        assert_tensor_close(mean, per_sample.sum() / counted, what=f"{what}, reduction='mean'")
        got.sum().backward()
        rows = x.grad[drop.to(device)]
        if rows.numel() and not bool((rows == 0).all()):
            raise AssertionError(
                f"{what}: the logits of ignored samples got non-zero gradients; they must not "
                f"affect training."
            )
        if ignore_index == -100:
            ce = F.cross_entropy(logits, targets, reduction="mean")
            gamma0 = make(gamma=0.0, reduction="mean")(logits, targets)
            assert_tensor_close(
                gamma0, ce, what="FocalLoss(gamma=0)(with ignored targets) against F.cross_entropy"
            )


@pytest.mark.task(3)
def test_every_target_ignored_gives_nan_for_the_mean_and_zero_for_the_sum(device):
    logits = torch.randn(3, 4, generator=torch.Generator().manual_seed(53)).to(device)
    targets = torch.full((3,), -100, device=device)
    mean = make(gamma=2.0)(logits, targets)
    total = make(gamma=2.0, reduction="sum")(logits, targets)
    what = "FocalLoss(gamma=2) on 3 samples whose targets are all ignore_index"
    if not bool(torch.isnan(mean)):
        raise AssertionError(
            f"{what}, reduction='mean', returned {mean.item()}; expected NaN (0 / 0), as "
            f"F.cross_entropy gives, so that a batch with nothing to learn is visible."
        )
    assert_tensor_close(total, torch.tensor(0.0, device=device), what=f"{what}, reduction='sum'")
