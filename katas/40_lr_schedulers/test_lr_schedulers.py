"""Tests for kata 40: every schedule equals its closed form (written out below) and torch's own
scheduler, and the training loop steps each scheduler in the right place and at the right rate.
"""

import functools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.optim import lr_scheduler

from torchkatas.harness import assert_raises, load_kata

kata = load_kata(__file__)

REL = 1e-9  # torch's CosineAnnealingLR is recursive: its rounding differs from the closed form
ORDER_WARNING = "Detected call of `lr_scheduler.step()` before `optimizer.step()`"


# ----------------------------------------------------------------------------- oracles


def formula_step(base, step_size, gamma, epoch):
    return base * gamma ** (epoch // step_size)


def formula_cosine(base, T_max, epoch, eta_min):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / T_max)) / 2


def formula_one_cycle(max_lr, total, step, pct_start, div, final_div):
    initial, low = max_lr / div, max_lr / div / final_div
    peak = pct_start * total - 1
    if step <= peak:
        a, b, lr_a, lr_b = 0.0, peak, initial, max_lr
    else:
        a, b, lr_a, lr_b = peak, total - 1, max_lr, low
    return lr_b + (lr_a - lr_b) * (1 + math.cos(math.pi * (step - a) / (b - a))) / 2


def formula_warmup_cosine(warmup, total, min_factor, s):
    w = max(warmup, 1)  # no warmup is one warmup step: step 0 is the peak
    if s < w:
        return (s + 1) / w
    p = min((s - w + 1) / (total - w), 1.0)
    return min_factor + (1 - min_factor) * (1 + math.cos(math.pi * p)) / 2


def torch_lrs(make, base, n, metrics=None):
    """The rates torch's scheduler gives: before each of n steps, or after each metric."""
    param = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([param], lr=base)
    scheduler = make(optimizer)
    lrs = []
    for k in range(n):
        if metrics is None:
            lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()  # no gradient: changes nothing, but comes before scheduler.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[k])
            lrs.append(optimizer.param_groups[0]["lr"])
    return lrs


def close(a, b, rel=REL):
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-15)


def check_float(value, what):
    __tracebackhide__ = True
    if type(value) is not float:
        raise AssertionError(
            f"{what} returned {value!r}, a {type(value).__name__}; expected a float."
        )


def check_sequence(got, expected, what, planted=None, label="epoch", mistake=None):
    """Compare two sequences of rates; on a mismatch, name the planted mistake they equal."""
    __tracebackhide__ = True
    if len(got) == len(expected) and all(close(g, e) for g, e in zip(got, expected, strict=True)):
        return
    for mistake, other in (planted or {}).items():
        if len(got) == len(other) and all(close(g, o) for g, o in zip(got, other, strict=True)):
            raise AssertionError(
                f"{what}: the rates equal those of this mistake. Likely mistake: {mistake}"
            )
    if len(got) != len(expected):
        raise AssertionError(
            f"{what}: {len(got)} rates, expected {len(expected)} (one per {label})."
        )
    k = next(i for i, (g, e) in enumerate(zip(got, expected, strict=True)) if not close(g, e))
    raise AssertionError(
        f"{what}: first wrong at {label} {k}: got {got[k]!r}, expected {expected[k]!r} "
        f"(the sequence starts {[round(e, 6) for e in expected[:6]]}). Likely mistake: "
        + (mistake or "a formula that differs from the docstring's at that point.")
    )


def schedule_of(fn, n, what):
    """Call a closed form at 0..n-1; each result must be a float."""
    __tracebackhide__ = True
    out = []
    for t in range(n):
        value = fn(t)
        check_float(value, f"{what} at {t}")
        out.append(value)
    return out


# ----------------------------------------------------------------------------- task 1


def _cosine_at(base, T_max, eta_min, epoch):
    return kata.cosine_lr(base, T_max, epoch, eta_min)


def random_configs(seed, n):
    gen = torch.Generator().manual_seed(seed)
    for _ in range(n):
        u = torch.rand(4, generator=gen, dtype=torch.float64).tolist()
        yield 10 ** (-3 + 3 * u[0]), 1 + int(u[1] * 5), 0.1 + 0.8 * u[2], u[3]


@pytest.mark.task(1)
def test_step_lr_equals_the_formula_and_torch():
    for base, step_size, gamma, _ in random_configs(1, 6):
        n = 4 * step_size + 3
        what = f"step_lr({base:.4g}, step_size={step_size}, gamma={gamma:.3g}, epoch)"
        got = schedule_of(functools.partial(kata.step_lr, base, step_size, gamma), n, what)
        expected = [formula_step(base, step_size, gamma, e) for e in range(n)]
        planted = {
            "gamma applied every epoch, not every step_size epochs.": [
                base * gamma**e for e in range(n)
            ],
            "the first decay one epoch early: (epoch + 1) // step_size.": [
                base * gamma ** ((e + 1) // step_size) for e in range(n)
            ],
        }
        check_sequence(got, expected, what, planted)
        make = functools.partial(lr_scheduler.StepLR, step_size=step_size, gamma=gamma)
        torch_seq = torch_lrs(make, base, n)
        check_sequence(got, torch_seq, f"{what} against torch's StepLR")


@pytest.mark.task(1)
def test_cosine_lr_reaches_eta_min_and_equals_torch():
    for base, T_max, _, u in random_configs(2, 6):
        eta_min = base * u * 0.5  # never 0 here: cosine must end at eta_min
        n = 2 * T_max + 2
        what = f"cosine_lr({base:.4g}, T_max={T_max}, epoch, eta_min={eta_min:.4g})"
        got = schedule_of(functools.partial(_cosine_at, base, T_max, eta_min), n, what)
        expected = [formula_cosine(base, T_max, e, eta_min) for e in range(n)]
        planted = {
            "cosine down to 0 instead of to eta_min: eta_min + (base_lr - eta_min) * "
            "(1 + cos(pi * epoch / T_max)) / 2.": [
                formula_cosine(base, T_max, e, 0.0) for e in range(n)
            ],
            "T_max - 1 in the denominator: the minimum must come at epoch T_max.": [
                formula_cosine(base, max(T_max - 1, 1), e, eta_min) for e in range(n)
            ],
            "eta_min added on top of the cosine from base_lr: the cosine's amplitude is "
            "base_lr - eta_min.": [
                eta_min + base * (1 + math.cos(math.pi * e / T_max)) / 2 for e in range(n)
            ],
        }
        check_sequence(got, expected, what, planted)
        if not close(got[T_max], eta_min):
            raise AssertionError(f"{what} at epoch T_max is {got[T_max]!r}, not eta_min.")
        make = functools.partial(lr_scheduler.CosineAnnealingLR, T_max=T_max, eta_min=eta_min)
        torch_seq = torch_lrs(make, base, n)
        check_sequence(got, torch_seq, f"{what} against torch's CosineAnnealingLR")


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "call", ["step_lr step_size 0", "step_lr epoch -1", "cosine_lr T_max 0", "cosine_lr epoch -1"]
)
def test_step_and_cosine_reject_bad_arguments(call):
    fn, arguments = {
        "step_lr step_size 0": (kata.step_lr, (0.1, 0, 0.5, 3)),
        "step_lr epoch -1": (kata.step_lr, (0.1, 2, 0.5, -1)),
        "cosine_lr T_max 0": (kata.cosine_lr, (0.1, 0, 3)),
        "cosine_lr epoch -1": (kata.cosine_lr, (0.1, 10, -1)),
    }[call]
    assert_raises(
        ValueError,
        fn,
        *arguments,
        what=f"{call}: {fn.__name__}{arguments}",
        mistake="check the arguments first and raise ValueError (step_size or T_max below 1 "
        "would divide by zero; a negative epoch has no meaning).",
    )


# ----------------------------------------------------------------------------- task 2

ONE_CYCLE_CONFIGS = [  # (max_lr, total_steps, pct_start, div_factor, final_div_factor)
    (0.1, 10, 0.3, 25.0, 1e4),
    (1.0, 37, 0.25, 10.0, 100.0),
    (0.05, 100, 0.5, 5.0, 1e3),
    (0.3, 7, 0.3, 25.0, 1e4),  # the peak at step 1.1: a float, between two steps
]


@pytest.mark.task(2)
@pytest.mark.parametrize("config", ONE_CYCLE_CONFIGS, ids=lambda c: f"total{c[1]}")
def test_one_cycle_equals_the_formula_and_torch(config):
    max_lr, total, pct, div, final_div = config
    what = (
        f"one_cycle_lr({max_lr}, total_steps={total}, step, pct_start={pct}, "
        f"div_factor={div}, final_div_factor={final_div})"
    )
    got = schedule_of(
        lambda s: kata.one_cycle_lr(max_lr, total, s, pct, div, final_div), total, what
    )
    expected = [formula_one_cycle(max_lr, total, s, pct, div, final_div) for s in range(total)]
    initial, low = max_lr / div, max_lr / div / final_div

    def shifted(s, end):  # the same cosine phases, with the last phase ending at `end`
        peak = pct * total - 1
        if s <= peak:
            return formula_one_cycle(max_lr, total, s, pct, div, final_div)
        return low + (max_lr - low) * (1 + math.cos(math.pi * (s - peak) / (end - peak))) / 2

    planted = {
        "the last phase ends at total_steps instead of total_steps - 1, so the last step "
        "never reaches the minimum (total_steps off by one).": [
            shifted(s, total) for s in range(total)
        ],
        "the peak at pct_start * total_steps; torch puts it at pct_start * total_steps - 1.": [
            _peak_without_minus_one(max_lr, total, s, pct, div, final_div) for s in range(total)
        ],
        "the minimum taken as max_lr / final_div_factor; it is (max_lr / div_factor) / "
        "final_div_factor.": [
            _one_cycle_with_low(max_lr, total, s, pct, div, max_lr / final_div)
            for s in range(total)
        ],
    }
    check_sequence(got, expected, what, planted, label="step")
    for label, at, value in (("step 0", 0, initial), ("the last step", total - 1, low)):
        if not close(got[at], value):
            raise AssertionError(f"{what} at {label} is {got[at]!r}; expected {value!r}.")
    torch_seq = torch_lrs(
        lambda o: lr_scheduler.OneCycleLR(
            o,
            max_lr,
            total_steps=total,
            pct_start=pct,
            div_factor=div,
            final_div_factor=final_div,
            cycle_momentum=False,
        ),
        max_lr,
        total,
    )
    check_sequence(got, torch_seq, f"{what} against torch's OneCycleLR", label="step")


def _peak_without_minus_one(max_lr, total, s, pct, div, final_div):
    initial, low = max_lr / div, max_lr / div / final_div
    peak = pct * total
    if s <= peak:
        a, b, lr_a, lr_b = 0.0, peak, initial, max_lr
    else:
        a, b, lr_a, lr_b = peak, total - 1, max_lr, low
    return lr_b + (lr_a - lr_b) * (1 + math.cos(math.pi * (s - a) / (b - a))) / 2


def _one_cycle_with_low(max_lr, total, s, pct, div, low):
    initial = max_lr / div
    peak = pct * total - 1
    if s <= peak:
        a, b, lr_a, lr_b = 0.0, peak, initial, max_lr
    else:
        a, b, lr_a, lr_b = peak, total - 1, max_lr, low
    return lr_b + (lr_a - lr_b) * (1 + math.cos(math.pi * (s - a) / (b - a))) / 2


@pytest.mark.task(2)
@pytest.mark.parametrize("step,total", [(10, 10), (-1, 10), (0, 1)])
def test_one_cycle_rejects_steps_outside_the_cycle(step, total):
    assert_raises(
        ValueError,
        kata.one_cycle_lr,
        0.1,
        total,
        step,
        what=f"one_cycle_lr(0.1, total_steps={total}, step={step})",
        mistake="the steps are 0 .. total_steps - 1 (and a cycle needs at least 2): raise "
        "ValueError outside, as OneCycleLR does when stepped too often.",
    )


# ----------------------------------------------------------------------------- task 3

WARMUP_CONFIGS = [
    (5, 20, 0.0),
    (1, 10, 0.1),
    (10, 11, 0.05),
    (0, 8, 0.2),
    (0, 2, 0.5),
    (3, 50, 1.0),
]


@pytest.mark.task(3)
@pytest.mark.parametrize("warmup,total,min_factor", WARMUP_CONFIGS)
def test_warmup_cosine_hits_its_three_landmarks_exactly(warmup, total, min_factor):
    what = f"warmup_cosine(warmup_steps={warmup}, total_steps={total}, min_factor={min_factor})"
    f = kata.warmup_cosine(warmup, total, min_factor)
    if not callable(f):
        raise AssertionError(f"{what} returned {f!r}; expected a function of the step.")
    n = total + 3  # LambdaLR calls it once more after the last step: it must stay put
    got = schedule_of(f, n, what)
    expected = [formula_warmup_cosine(warmup, total, min_factor, s) for s in range(n)]
    # the landmarks are exact, not close: (s + 1) / w, and cos(pi) == -1 at p == 1
    w = max(warmup, 1)
    landmarks = {w - 1: ("the last warmup step", 1.0)}
    landmarks[0] = ("step 0", 1 / w)  # for w = 1, step 0 is also the last warmup step
    landmarks[total - 1] = ("the last step", min_factor)
    for s, (label, value) in landmarks.items():
        if got[s] == value:
            continue
        if label == "step 0" and got[s] == 0.0:
            why = (
                "the warmup is (s + 1) / warmup_steps, so step 0 already learns; "
                "s / warmup_steps wastes the first step at lr 0."
            )
        elif label == "step 0" and warmup == 0:
            why = (
                "with warmup_steps=0 there is no warmup: step 0 uses the full rate, f(0) == "
                "1.0, as with warmup_steps=1 (w = max(warmup_steps, 1)); a progress p = "
                "(s + 1) / total_steps starts decayed."
            )
        elif label != "the last step":
            why = (
                "the warmup is f(s) = (s + 1) / warmup_steps, from 1 / warmup_steps at step 0 "
                "to 1.0 on step warmup_steps - 1: an off-by-one in the warmup."
            )
        else:
            why = (
                "the cosine reaches min_factor (not 0) exactly at the last step, "
                "total_steps - 1: p = (s - w + 1) / (total_steps - w), w = "
                "max(warmup_steps, 1)."
            )
        raise AssertionError(
            f"{what}: f({s}), {label}, is {got[s]!r}; expected exactly {value!r}. Likely "
            f"mistake: {why}"
        )
    planted = {
        "the progress is not clamped at 1: past total_steps - 1 the cosine rises again.": [
            min_factor + (1 - min_factor) * (1 + math.cos(math.pi * (s - w + 1) / (total - w))) / 2
            if s >= w
            else expected[s]
            for s in range(n)
        ],
    }
    check_sequence(got, expected, what, planted, label="step")


@pytest.mark.task(3)
def test_warmup_cosine_drives_lambda_lr_step_by_step():
    warmup, total, base = 4, 12, 0.3
    what = f"LambdaLR(optimizer with lr={base}, warmup_cosine({warmup}, {total}, 0.1))"
    f = kata.warmup_cosine(warmup, total, 0.1)
    got = torch_lrs(lambda o: lr_scheduler.LambdaLR(o, f), base, total)
    expected = [base * formula_warmup_cosine(warmup, total, 0.1, s) for s in range(total)]
    check_sequence(got, expected, f"{what}: the rate of each optimizer step", label="step")


WARMUP_BAD = {
    "warmup -1": (-1, 10, 0.0),
    "total = warmup": (5, 5, 0.0),
    "no warmup and one step": (0, 1, 0.0),
    "min_factor 1.5": (2, 10, 1.5),
    "min_factor -0.1": (2, 10, -0.1),
}


@pytest.mark.task(3)
@pytest.mark.parametrize("problem", list(WARMUP_BAD))
def test_warmup_cosine_rejects_bad_arguments(problem):
    args = WARMUP_BAD[problem]
    assert_raises(
        ValueError,
        kata.warmup_cosine,
        *args,
        what=f"warmup_cosine{args} ({problem})",
        mistake="check the arguments when building the function, not on its first call "
        "(the decay needs at least one step after the peak: total_steps > max(warmup_steps, "
        "1)).",
    )


# ----------------------------------------------------------------------------- task 4

PLATEAU_CONFIGS = [
    {},
    {"patience": 0},
    {"patience": 2, "factor": 0.5},
    {"patience": 1, "cooldown": 2, "factor": 0.5},
    {"patience": 2, "threshold": 0.05},
    {"patience": 1, "threshold": 0.02, "threshold_mode": "abs", "factor": 0.3},
    {"mode": "max", "patience": 2, "factor": 0.5},
    {"mode": "max", "patience": 1, "threshold": 0.01, "threshold_mode": "abs"},
    {"patience": 1, "factor": 0.1, "min_lr": 1e-3},
    {"patience": 1, "factor": 0.5, "eps": 0.02},
]


def metric_curve(seed, n=40):
    """A validation curve that improves, stalls on plateaus and wobbles (seeded)."""
    gen = torch.Generator().manual_seed(seed)
    values, level = [], 1.0
    for k in range(n):
        if k % 8 < 3:
            level *= 0.9
        values.append(level * (1 + 0.03 * float(torch.randn((), generator=gen))))
    return values


def plateau_planted(metrics, lr, kw):
    base = {"mode": "min", "factor": 0.1, "patience": 10, "threshold": 1e-4}
    base |= {"threshold_mode": "rel", "cooldown": 0, "min_lr": 0.0, "eps": 1e-8} | kw

    def torch_with(**change):
        cfg = base | change
        return torch_lrs(
            lambda o: lr_scheduler.ReduceLROnPlateau(o, **cfg), lr, len(metrics), metrics
        )

    planted = {}
    if base["patience"] > 0:
        planted[
            "reducing after `patience` bad epochs; it is after MORE than patience (bad > patience)."
        ] = torch_with(patience=base["patience"] - 1)
    if base["threshold"] > 1e-4:
        planted[
            "threshold ignored: a metric must beat best by the threshold ('rel': best * "
            "(1 - threshold) in mode min) to count as better."
        ] = torch_with(threshold=0.0)
    if base["cooldown"]:
        planted[
            "cooldown ignored: after a reduction, `cooldown` epochs pass with the bad "
            "count held at 0."
        ] = torch_with(cooldown=0)
    if base["min_lr"]:
        planted["min_lr ignored: the new rate is max(lr * factor, min_lr)."] = torch_with(
            min_lr=0.0
        )
    return planted


@pytest.mark.task(4)
@pytest.mark.parametrize("config", range(len(PLATEAU_CONFIGS)))
def test_plateau_lrs_equal_torchs_reduce_lr_on_plateau(config):
    kw = PLATEAU_CONFIGS[config]
    metrics = metric_curve(config)
    if kw.get("cooldown"):  # long flat stretches, where the cooldown decides
        metrics = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8, 0.8]
        metrics += metric_curve(config, 20)
    if kw.get("mode") == "max":
        metrics = [2 - m for m in metrics]  # an accuracy-like curve that rises
    lr = 0.1
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    what = f"plateau_lrs(metrics ({len(metrics)} epochs), lr=0.1{', ' if args else ''}{args})"
    got = kata.plateau_lrs(metrics, lr, **kw)
    if not isinstance(got, list):
        raise AssertionError(f"{what} returned a {type(got).__name__}; expected a list.")
    for value in got:
        check_float(value, what)
    expected = torch_lrs(
        lambda o: lr_scheduler.ReduceLROnPlateau(o, **kw), lr, len(metrics), metrics
    )
    check_sequence(
        got,
        expected,
        what,
        plateau_planted(metrics, lr, kw),
        label="epoch",
        mistake="the order of the rules per metric: better or one more bad epoch; then the "
        "cooldown; then a reduction when the bad count is MORE than patience.",
    )


PLATEAU_BY_HAND = [
    # patience=2, threshold=0.05 "rel", mode "min": a new best must be below best * 0.95.
    # 1.0 is the first best; 0.96 and 0.97 are bad epochs 1 and 2; 0.951 is bad epoch 3,
    # MORE than patience: the rate halves; 0.94 < 0.95 is a new best, and so is 0.5.
    (
        {"patience": 2, "factor": 0.5, "threshold": 0.05},
        [1.0, 0.96, 0.97, 0.951, 0.94, 0.5],
        [0.1, 0.1, 0.1, 0.05, 0.05, 0.05],
    ),
    # mode "max", threshold 0.1 "abs" (a new best must exceed best + 0.1), patience=0,
    # cooldown=1: 0.55 is bad (halve, cooldown 1); 0.7 a new best (cooldown over); 0.65 bad
    # (halve, cooldown 1); 0.6 bad but in the cooldown (count reset); 0.75 bad (halve).
    (
        {
            "mode": "max",
            "threshold": 0.1,
            "threshold_mode": "abs",
            "patience": 0,
            "cooldown": 1,
            "factor": 0.5,
        },
        [0.5, 0.55, 0.7, 0.65, 0.6, 0.75, 0.9],
        [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125],
    ),
]


@pytest.mark.task(4)
@pytest.mark.parametrize("case", range(len(PLATEAU_BY_HAND)))
def test_plateau_lrs_follow_the_rules_worked_by_hand(case):
    kw, metrics, expected = PLATEAU_BY_HAND[case]
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    what = f"plateau_lrs({metrics}, lr=0.1, {args})"
    got = kata.plateau_lrs(metrics, 0.1, **kw)
    if not isinstance(got, list):
        raise AssertionError(f"{what} returned a {type(got).__name__}; expected a list.")
    check_sequence(
        got,
        expected,
        what,
        plateau_planted(metrics, 0.1, kw),
        label="epoch",
        mistake="follow the docstring's rules epoch by epoch (the comments of this test work "
        "them out).",
    )


@pytest.mark.task(4)
def test_plateau_lrs_take_a_generator_of_tensors():
    metrics = metric_curve(99, 20)
    got = kata.plateau_lrs((torch.tensor(m) for m in metrics), 0.5, patience=1, factor=0.5)
    expected = torch_lrs(
        lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=1, factor=0.5), 0.5, 20, metrics
    )
    what = "plateau_lrs(a generator of 0-d tensors, lr=0.5, patience=1, factor=0.5)"
    if not isinstance(got, list):
        raise AssertionError(f"{what} returned a {type(got).__name__}; expected a list.")
    check_sequence([float(g) for g in got], expected, what)


PLATEAU_BAD = {
    "mode 'lowest'": {"mode": "lowest"},
    "threshold_mode 'pct'": {"threshold_mode": "pct"},
    "factor 1.0": {"factor": 1.0},
}


@pytest.mark.task(4)
@pytest.mark.parametrize("problem", list(PLATEAU_BAD))
def test_plateau_lrs_rejects_bad_arguments(problem):
    assert_raises(
        ValueError,
        kata.plateau_lrs,
        [1.0, 0.9],
        0.1,
        **PLATEAU_BAD[problem],
        what=f"plateau_lrs([1.0, 0.9], 0.1, {problem})",
        mistake="validate mode, threshold_mode and factor < 1 as ReduceLROnPlateau does.",
    )


# ----------------------------------------------------------------------------- task 5

EPOCHS, N, B = 5, 10, 4  # 3 batches per epoch, the last one short


def make_training(device, lr=0.1):
    gen = torch.Generator().manual_seed(40)
    X = torch.randn(N, 3, generator=gen, dtype=torch.float64).to(device)
    y = torch.randn(N, 1, generator=gen, dtype=torch.float64).to(device)
    loader = [(X[i : i + B], y[i : i + B]) for i in range(0, N, B)]
    torch.manual_seed(40)
    model = nn.Linear(3, 1).double().to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return model, loader, optimizer


def call_train(model, loader, optimizer, scheduler, interval, what, val_fn=None):
    """Run the learner's loop; torch's ordering warning becomes a failure that names it."""
    __tracebackhide__ = True
    try:
        return kata.train(model, loader, F.mse_loss, optimizer, scheduler, EPOCHS, interval, val_fn)
    except UserWarning as warning:
        if ORDER_WARNING not in str(warning):
            raise
        raise AssertionError(
            f'{what}: torch warned "{ORDER_WARNING}": no optimizer.step() had run when '
            f"scheduler.step() was first called. Likely mistake: scheduler.step() before "
            f"optimizer.step() (then the first rate of the schedule is skipped), or no "
            f"optimizer.step() at all. Step the optimizer first."
        ) from None


def per_epoch(rates):
    return [r for r in rates[:EPOCHS] for _ in range(math.ceil(N / B))]


def per_batch(rates):
    return rates[: EPOCHS * math.ceil(N / B)]


@pytest.mark.task(5)
def test_step_lr_is_stepped_once_per_epoch_after_the_optimizer(device):
    model, loader, optimizer = make_training(device)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    what = "train(..., StepLR(step_size=2, gamma=0.5), epochs=5, interval='epoch'), 3 batches"
    got = call_train(model, loader, optimizer, scheduler, "epoch", what)
    rates = [formula_step(0.1, 2, 0.5, t) for t in range(40)]
    planted = {
        "scheduler.step() after every batch: a per-epoch schedule (StepLR) is stepped once "
        "per epoch, after the epoch's last batch.": per_batch(rates),
        "the epoch's rate changed before its first batch (the scheduler stepped at the start "
        "of the epoch).": per_epoch(rates[1:]),
    }
    check_sequence(got, per_epoch(rates), what, planted, label="optimizer step")


@pytest.mark.task(5)
def test_one_cycle_is_stepped_after_every_batch(device):
    model, loader, optimizer = make_training(device)
    total = EPOCHS * len(loader)
    scheduler = lr_scheduler.OneCycleLR(
        optimizer, max_lr=0.2, total_steps=total, cycle_momentum=False
    )
    what = f"train(..., OneCycleLR(max_lr=0.2, total_steps={total}), epochs=5, interval='batch')"
    got = call_train(model, loader, optimizer, scheduler, "batch", what)
    rates = [formula_one_cycle(0.2, total, s, 0.3, 25.0, 1e4) for s in range(total)]
    planted = {
        "scheduler.step() once per epoch: OneCycleLR counts optimizer steps, so it is stepped "
        "after every batch (interval='batch').": per_epoch(rates),
        "recorded the rate after scheduler.step(): that is the next step's rate; record "
        "optimizer.param_groups[0]['lr'] just before optimizer.step().": [
            formula_one_cycle(0.2, total, s + 1, 0.3, 25.0, 1e4) for s in range(total)
        ],
    }
    check_sequence(got, rates, what, planted, label="optimizer step")


@pytest.mark.task(5)
def test_warmup_lambda_lr_is_stepped_after_every_batch(device):
    model, loader, optimizer = make_training(device, lr=0.3)
    total = EPOCHS * len(loader)
    factors = [formula_warmup_cosine(4, total, 0.1, s) for s in range(total + 1)]
    scheduler = lr_scheduler.LambdaLR(optimizer, lambda s: formula_warmup_cosine(4, total, 0.1, s))
    what = f"train(..., LambdaLR(warmup 4, total {total}), epochs=5, interval='batch')"
    got = call_train(model, loader, optimizer, scheduler, "batch", what)
    planted = {
        "scheduler.step() once per epoch: a warmup counted in optimizer steps is stepped "
        "after every batch.": per_epoch([0.3 * f for f in factors]),
    }
    check_sequence(got, [0.3 * f for f in factors[:total]], what, planted, label="optimizer step")


@pytest.mark.task(5)
def test_training_actually_trains(device):
    model, loader, optimizer = make_training(device)
    reference, _, ref_opt = make_training(device)
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    ref_sched = lr_scheduler.StepLR(ref_opt, step_size=2, gamma=0.5)
    for _ in range(EPOCHS):
        for xb, yb in loader:
            ref_opt.zero_grad()
            F.mse_loss(reference(xb), yb).backward()
            ref_opt.step()
        ref_sched.step()
    what = "train(Linear(3, 1), 3 batches, mse_loss, SGD, StepLR, epochs=5, 'epoch')"
    call_train(model, loader, optimizer, scheduler, "epoch", what)
    for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
        if not torch.allclose(p, q, rtol=1e-10, atol=1e-12):
            raise AssertionError(
                f"{what}: {name} after training is {p.detach().flatten().tolist()}, expected "
                f"{q.detach().flatten().tolist()}. Likely mistake: zero_grad forgotten, or a "
                f"step missing: per batch zero_grad, forward, loss, backward, optimizer.step()."
            )


@pytest.mark.task(5)
def test_plateau_is_stepped_with_the_validation_metric(device):
    model, loader, optimizer = make_training(device)
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, factor=0.5)
    # a scripted validation curve: better, worse, worse, better, worse
    metrics = [1.0, 1.2, 1.3, 0.8, 0.9]
    calls = []

    def val_fn():
        calls.append(metrics[len(calls)])
        return calls[-1]

    seen = []
    plain_step = scheduler.step

    def spy(*args, **kwargs):
        seen.append(args[0] if args else kwargs.get("metrics"))
        return plain_step(*args, **kwargs)

    scheduler.step = spy
    what = "train(..., ReduceLROnPlateau(patience=0, factor=0.5), epochs=5, 'epoch', val_fn)"
    got = call_train(model, loader, optimizer, scheduler, "epoch", what, val_fn)
    if len(calls) != EPOCHS:
        raise AssertionError(
            f"{what}: val_fn was called {len(calls)} times; expected once per epoch ({EPOCHS})."
        )
    if [float(m) for m in seen if m is not None] != metrics or len(seen) != EPOCHS:
        raise AssertionError(
            f"{what}: scheduler.step received {seen}; expected the validation metrics "
            f"{metrics}, one per epoch. Likely mistake: stepping ReduceLROnPlateau with the "
            f"training loss (or nothing): it must see val_fn()'s value."
        )
    after = torch_lrs(
        lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=0, factor=0.5), 0.1, EPOCHS, metrics
    )
    check_sequence(got, per_epoch([0.1, *after]), what, label="optimizer step")


@pytest.mark.task(5)
@pytest.mark.parametrize(
    "problem", ["interval 'step'", "plateau without val_fn", "plateau per batch"]
)
def test_train_rejects_bad_combinations(problem, device):
    model, loader, optimizer = make_training(device)
    if problem == "interval 'step'":
        scheduler, interval, val_fn = lr_scheduler.StepLR(optimizer, 2), "step", None
    else:
        scheduler = lr_scheduler.ReduceLROnPlateau(optimizer)
        interval = "epoch" if problem == "plateau without val_fn" else "batch"
        val_fn = None if problem == "plateau without val_fn" else (lambda: 1.0)
    assert_raises(
        ValueError,
        kata.train,
        model,
        loader,
        F.mse_loss,
        optimizer,
        scheduler,
        EPOCHS,
        interval,
        val_fn,
        what=f"train(..., interval={interval!r}, val_fn={'a function' if val_fn else 'None'}) "
        f"({problem})",
        mistake="check interval and, for ReduceLROnPlateau, that val_fn is given and the "
        "interval is 'epoch', before training starts.",
    )
