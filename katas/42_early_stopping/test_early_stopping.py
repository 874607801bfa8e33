"""Tests for kata 42: early stopping, checked against a plain loop on random metric curves."""

from dataclasses import dataclass

import pytest
import torch
from torch import nn

from torchkatas.harness import assert_raises, assert_tensor_close, load_kata

kata = load_kata(__file__)

# Metrics are multiples of 1/8 and so is min_delta: every comparison is exact in binary,
# and ties such as metric == best - min_delta happen often, so a non-strict test shows.
EIGHTH = 0.125


# ----------------------------------------------------------------------------- the reference


@dataclass(frozen=True)
class Rule:
    """One way of deciding when to stop: the right one, and the usual wrong ones."""

    name: str
    why: str  # shown when the learner's results match this rule and not the right one
    strict: bool = True
    reset: bool = True
    extra: int = 0  # stop after patience + extra calls without improvement
    use_mode: bool = True
    use_min_delta: bool = True


RIGHT = Rule("right", "")
WRONG = [
    Rule(
        "ties",
        "a tie (metric exactly best - min_delta in mode 'min', best + min_delta in mode "
        "'max') counted as an improvement: the comparison must be strict.",
        strict=False,
    ),
    Rule(
        "no reset",
        "the count of calls without improvement was not reset to 0 on an improvement.",
        reset=False,
    ),
    Rule(
        "late",
        "stopped one call late: return True on the call that makes `patience` calls in a "
        "row without improvement, not the one after.",
        extra=1,
    ),
    Rule(
        "early",
        "stopped one call early: `patience` calls in a row without improvement, not patience - 1.",
        extra=-1,
    ),
    Rule(
        "mode",
        "mode 'max' was treated as 'min': in mode 'max' a higher metric is better.",
        use_mode=False,
    ),
    Rule(
        "min_delta",
        "min_delta was ignored: an improvement must beat best by MORE than min_delta.",
        use_min_delta=False,
    ),
]


@dataclass(frozen=True)
class Outcome:
    stop: int | None  # 0-based index of the step call that returned True; None if none did
    best: float
    best_epoch: int


def reference(metrics, patience, min_delta, mode, rule: Rule = RIGHT) -> Outcome:
    """A plain loop: where early stopping stops on `metrics`, and the best seen by then."""
    delta = min_delta if rule.use_min_delta else 0.0
    higher_is_better = mode == "max" and rule.use_mode
    best, best_epoch, bad = None, None, 0
    for i, metric in enumerate(metrics):
        if higher_is_better:
            better = best is None or (
                metric >= best + delta if not rule.strict else metric > best + delta
            )
        else:
            better = best is None or (
                metric <= best - delta if not rule.strict else metric < best - delta
            )
        if better:
            best, best_epoch = metric, i
            bad = 0 if rule.reset else bad
        else:
            bad += 1
            if bad >= max(patience + rule.extra, 1):
                return Outcome(i, best, best_epoch)
    return Outcome(None, best, best_epoch)


def random_curve(gen: torch.Generator, mode: str, length: int = 30) -> list[float]:
    """A noisy validation curve in steps of 1/8: a loss going down, or an accuracy going up."""
    steps = torch.randint(-4, 3, (length,), generator=gen)  # -4..2: drifts down
    level = 40 + torch.cumsum(steps, 0)
    curve = [int(k) * EIGHTH for k in level]
    return curve if mode == "min" else [10.0 - m for m in curve]


# ----------------------------------------------------------------------------- helpers


def make_stopper(**kwargs):
    return kata.EarlyStopping(**kwargs)


def run(metrics, model, **kwargs) -> tuple[object, int | None, list]:
    """Call step on each metric until it returns True; the stopper, the stop call, the flags."""
    __tracebackhide__ = True
    stopper = make_stopper(**kwargs)
    flags = []
    for i, metric in enumerate(metrics):
        flag = stopper.step(metric, model)
        flags.append(flag)
        if not isinstance(flag, bool):
            raise AssertionError(
                f"EarlyStopping({describe(kwargs)}).step(...) returned "
                f"{type(flag).__name__} {flag!r}; expected a bool."
            )
        if flag:
            return stopper, i, flags
    return stopper, None, flags


def describe(kwargs) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def tiny_model(device) -> nn.Module:
    return nn.Linear(2, 1).to(device)


def diagnose(results, patience_of, min_delta, mode) -> str:
    """The wrong rules that explain every (metrics, learner's stop call) seen."""
    matches = [
        rule.why
        for rule in WRONG
        if all(
            reference(metrics, patience_of[k], min_delta, mode, rule).stop == stop
            for k, (metrics, stop) in enumerate(results)
        )
    ]
    return " Likely mistake: " + " Or: ".join(matches) if matches else ""


SETTINGS = [
    pytest.param(mode, min_delta, id=f"{mode}-delta{min_delta}")
    for mode in ("min", "max")
    for min_delta in (0.0, EIGHTH, 2 * EIGHTH)
]


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize(("mode", "min_delta"), SETTINGS)
def test_stops_at_exactly_the_right_call(mode, min_delta, device):
    gen = torch.Generator().manual_seed(420 + int(min_delta * 8) + (mode == "max"))
    model = tiny_model(device)
    results, patiences, first_wrong = [], [], None
    for _ in range(60):
        patience = int(torch.randint(1, 6, (), generator=gen))
        metrics = random_curve(gen, mode)
        kwargs = {"patience": patience, "min_delta": min_delta, "mode": mode}
        _, stop, _ = run(metrics, model, **kwargs)
        expected = reference(metrics, patience, min_delta, mode).stop
        results.append((metrics, stop))
        patiences.append(patience)
        if stop != expected and first_wrong is None:
            first_wrong = (kwargs, metrics, stop, expected)
    if first_wrong is not None:
        kwargs, metrics, stop, expected = first_wrong
        shown = metrics[: max(s for s in (stop, expected, 0) if s is not None) + 1]
        raise AssertionError(
            f"EarlyStopping({describe(kwargs)}) fed the metrics {shown} one step call "
            f"at a time: returned True at call {stop} (0-based; None = never), expected call "
            f"{expected}." + diagnose(results, patiences, min_delta, mode)
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("mode", ["min", "max"])
def test_best_and_best_epoch_follow_the_curve(mode, device):
    gen = torch.Generator().manual_seed(7 + (mode == "max"))
    model = tiny_model(device)
    for _ in range(20):
        patience = int(torch.randint(1, 6, (), generator=gen))
        min_delta = [0.0, EIGHTH][int(torch.randint(2, (), generator=gen))]
        metrics = random_curve(gen, mode, length=12)
        kwargs = {"patience": patience, "min_delta": min_delta, "mode": mode}
        stopper = make_stopper(**kwargs)
        for i, metric in enumerate(metrics):
            stopped = stopper.step(metric, model)
            expected = reference(metrics[: i + 1], patience, min_delta, mode)
            got = (stopper.best, stopper.best_epoch)
            if got != (expected.best, expected.best_epoch):
                hint = ""
                if i == 0 and stopper.best_epoch == 1:
                    hint = (
                        " Likely mistake: best_epoch counted from 1; it is the 0-based "
                        "index of the step call."
                    )
                elif stopper.best == expected.best:
                    ties = reference(metrics[: i + 1], patience, min_delta, mode, WRONG[0])
                    if stopper.best_epoch == ties.best_epoch:
                        hint = (
                            " Likely mistake: a later call that only tied (metric exactly "
                            "best -/+ min_delta) was counted as an improvement: the "
                            "comparison must be strict."
                        )
                    elif stopper.best_epoch == expected.best_epoch + 1:
                        hint = (
                            " Likely mistake: best_epoch counted from 1; it is the 0-based "
                            "index of the step call."
                        )
                    else:
                        hint = (
                            " Likely mistake: best_epoch not updated with best: it is the "
                            "0-based index of the call that set best."
                        )
                raise AssertionError(
                    f"EarlyStopping({describe(kwargs)}) after step calls with the metrics "
                    f"{metrics[: i + 1]}: (best, best_epoch) is {got}, expected "
                    f"{(expected.best, expected.best_epoch)}.{hint}"
                )
            if stopped or expected.stop is not None:
                break  # the stopping call itself is checked by the test above


@pytest.mark.task(1)
def test_first_call_is_always_an_improvement(device):
    model = tiny_model(device)
    for mode, metric in (("min", 1e6), ("max", -1e6), ("min", -3.0), ("max", 0.0)):
        stopper = make_stopper(patience=1, mode=mode)
        flag = stopper.step(metric, model)
        what = f"EarlyStopping(patience=1, mode={mode!r}).step({metric}, model) as the first call"
        if flag is not False or stopper.best != metric or stopper.best_epoch != 0:
            hint = (
                "best_epoch counted from 1; it is the 0-based index of the step call."
                if stopper.best_epoch == 1
                else "best starts at 0 (or the wrong infinity) instead of None (or +inf "
                "for 'min', -inf for 'max')."
            )
            raise AssertionError(
                f"{what} returned {flag!r} with best={stopper.best!r}, "
                f"best_epoch={stopper.best_epoch!r}; expected False, best={metric}, "
                f"best_epoch=0. Likely mistake: {hint}"
            )


@pytest.mark.task(1)
def test_nothing_seen_before_the_first_step():
    stopper = make_stopper()
    if stopper.best is not None or stopper.best_epoch is not None:
        raise AssertionError(
            f"EarlyStopping() before any step: best={stopper.best!r}, "
            f"best_epoch={stopper.best_epoch!r}; expected None and None."
        )


@pytest.mark.task(1)
@pytest.mark.parametrize(
    "kwargs",
    [
        {"mode": "mean"},
        {"mode": "MIN"},
        {"patience": -1},
        {"patience": 0},
        {"min_delta": -0.1},
    ],
    ids=["mode-mean", "mode-MIN", "patience-negative", "patience-zero", "min_delta-negative"],
)
def test_bad_settings_raise_value_error(kwargs):
    assert_raises(
        ValueError,
        kata.EarlyStopping,
        **kwargs,
        what=f"EarlyStopping({describe(kwargs)})",
        mistake="mode must be 'min' or 'max' (exactly), patience at least 1, min_delta at "
        "least 0: check each in __init__ and raise ValueError.",
    )


@pytest.mark.task(1)
def test_defaults_are_patience_5_min_delta_0_mode_min(device):
    model = tiny_model(device)
    what = "EarlyStopping() with its defaults"
    # mode "min" and min_delta 0: any decrease, however small, is an improvement
    _, stop, flags = run([1.0, 0.5, 0.5 - 2**-20, 0.75], model)
    if stop is not None:
        raise AssertionError(
            f"{what} on (1.0, 0.5, 0.5 - 2**-20, 0.75): step returned {flags}; expected "
            f"four False. Likely mistake: the defaults: mode='min', min_delta=0.0, patience=5."
        )
    stopper, stop, flags = run([1.0, 0.5, 0.5 - 2**-20] + [2.0] * 7, model)
    if stop != 7 or stopper.best != 0.5 - 2**-20 or stopper.best_epoch != 2:
        raise AssertionError(
            f"{what} on (1.0, 0.5, 0.5 - 2**-20) then 2.0 seven times: step returned {flags}, "
            f"best={stopper.best!r}, best_epoch={stopper.best_epoch!r}; expected True first "
            f"at call 7 (five calls in a row without improvement), best={0.5 - 2**-20!r}, "
            f"best_epoch=2. Likely mistake: the defaults: patience=5 (not 3 or 10), "
            f"min_delta=0.0, mode='min'."
        )


# ----------------------------------------------------------------------------- task 2


def batchnorm_model(device) -> nn.Module:
    """Parameters and buffers (BatchNorm's running statistics and its long counter)."""
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).to(device)


def train_a_little(model: nn.Module, gen: torch.Generator) -> None:
    """Change every parameter and buffer in place, as an optimizer step and a forward would."""
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn(p.shape, generator=gen).to(p.device))
        for b in model.buffers():
            if b.is_floating_point():
                b.add_(torch.rand(b.shape, generator=gen).to(b.device))
            else:
                b.add_(1)


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def check_weights(model, expected, last, what):
    """model's state equals `expected`; `last` (the weights before restoring) names a mistake."""
    __tracebackhide__ = True
    state = model.state_dict()
    params = {name for name, _ in model.named_parameters()}
    for name, want in expected.items():
        if torch.equal(state[name], want):
            continue
        if last is not None and torch.equal(state[name], last[name]):
            if name in params:
                raise AssertionError(
                    f"{what}: {name} holds the weights of the last call, not of the best "
                    f"epoch. Likely mistake: the kept state_dict aliases the live tensors "
                    f"(state_dict() and dict copies of it share storage with the model): "
                    f"clone every tensor, e.g. copy.deepcopy(model.state_dict())."
                )
            raise AssertionError(
                f"{what}: buffer {name} was not restored (the parameters were). Likely "
                f"mistake: only model.parameters() were kept; keep the whole state_dict(), "
                f"buffers such as BatchNorm's running statistics included."
            )
        assert_tensor_close(state[name], want, what=f"{what}: {name}")


def live_tensors(model: nn.Module) -> dict[str, tuple[torch.Tensor, int]]:
    """Every parameter and buffer of model, with the address of its storage."""
    named = [*model.named_parameters(), *model.named_buffers()]
    return {name: (t, t.data_ptr()) for name, t in named}


def check_same_tensors(model: nn.Module, before: dict, what: str) -> None:
    """The model still has the same parameter and buffer objects, on the same storage."""
    __tracebackhide__ = True
    for name, t in [*model.named_parameters(), *model.named_buffers()]:
        old, ptr = before[name]
        if t is not old:
            kind = "parameter" if isinstance(old, nn.Parameter) else "buffer"
            raise AssertionError(
                f"{what}: replaced the model's {kind} {name} with another tensor; load the "
                f"weights into the existing ones (load_state_dict copies in place, without "
                f"assign=True), so an optimizer built earlier still updates the model."
            )
        if t.data_ptr() != ptr:
            raise AssertionError(
                f"{what}: {name} is the same object but now uses other storage: restoring "
                f"must copy into the existing tensors (load_state_dict, or t.copy_). "
                f"Likely mistake: assigning t.data = kept, which makes the model share "
                f"storage with the kept copy, so training after a restore changes the "
                f"best weights."
            )


@pytest.mark.task(2)
@pytest.mark.parametrize("mode", ["min", "max"])
def test_stopping_restores_the_best_epochs_weights(mode, device):
    gen = torch.Generator().manual_seed(4242 + (mode == "max"))
    stops = 0
    for _ in range(8):
        patience = int(torch.randint(1, 4, (), generator=gen))
        metrics = random_curve(gen, mode)
        expected = reference(metrics, patience, 0.0, mode)
        model = batchnorm_model(device)
        stopper = make_stopper(patience=patience, mode=mode)
        seen = []
        stop = None
        for i, metric in enumerate(metrics):
            train_a_little(model, gen)
            seen.append(snapshot(model))
            if stopper.step(metric, model):
                stop = i
                break
        if stop != expected.stop:
            raise AssertionError(
                f"EarlyStopping(patience={patience}, mode={mode!r}) on {metrics} stopped at "
                f"call {stop}, expected {expected.stop} (None = never): fix the stopping "
                f"rule first (test_stops_at_exactly_the_right_call)."
            )
        if stop is None:
            continue
        stops += 1
        what = (
            f"EarlyStopping(patience={patience}, mode={mode!r}) stopping at call {i} on "
            f"{metrics[: i + 1]}, best at call {expected.best_epoch}: the model's weights"
        )
        check_weights(model, seen[expected.best_epoch], seen[i], what)
    assert stops >= 4, "test setup: too few curves stopped early"


@pytest.mark.task(2)
def test_restore_loads_the_best_weights_in_place(device):
    gen = torch.Generator().manual_seed(5)
    model = batchnorm_model(device)
    tensors = live_tensors(model)
    stopper = make_stopper(patience=10)
    seen = []
    for metric in (3.0, 2.0, 2.5, 1.5, 1.75, 4.0):  # the best is call 3 (1.5)
        train_a_little(model, gen)
        seen.append(snapshot(model))
        stopper.step(metric, model)
    train_a_little(model, gen)
    last = snapshot(model)
    stopper.restore(model)
    what = "step on (3.0, 2.0, 2.5, 1.5, 1.75, 4.0), training in between, then restore(model)"
    check_weights(model, seen[3], last, what)
    check_same_tensors(model, tensors, what)
    # the kept copy must stay a copy after restoring: train on, and restore again
    train_a_little(model, gen)
    last = snapshot(model)
    stopper.restore(model)
    what = f"{what}, more training, then restore(model) again"
    check_weights(model, seen[3], last, what)
    check_same_tensors(model, tensors, what)


@pytest.mark.task(2)
def test_without_restore_best_weights_the_model_is_left_alone(device):
    gen = torch.Generator().manual_seed(6)
    model = batchnorm_model(device)
    stopper = make_stopper(patience=2, restore_best_weights=False)
    flags = []
    for metric in (1.0, 0.5, 0.75, 0.5):  # the best is call 1; stops at call 3
        train_a_little(model, gen)
        last = snapshot(model)
        flags.append(stopper.step(metric, model))
    what = "EarlyStopping(patience=2, restore_best_weights=False) on (1.0, 0.5, 0.75, 0.5)"
    if flags != [False, False, False, True]:
        raise AssertionError(
            f"{what}: step returned {flags}, expected [False, False, False, True]."
        )
    wrong = "Likely mistake: restoring although restore_best_weights is False."
    check_weights(model, last, None, f"{what}: the weights after the stopping call. {wrong}")
    stopper.restore(model)
    check_weights(model, last, None, f"{what}: the weights after restore(model). {wrong}")


@pytest.mark.task(2)
def test_restore_before_any_step_raises(device):
    model = batchnorm_model(device)
    try:
        make_stopper().restore(model)
    except RuntimeError as err:
        if isinstance(err, NotImplementedError):
            raise
        return
    raise AssertionError(
        "EarlyStopping().restore(model) before any step did not raise RuntimeError: there "
        "are no best weights to load yet."
    )


@pytest.mark.task(2)
def test_calls_that_do_not_stop_leave_the_model_alone(device):
    gen = torch.Generator().manual_seed(7)
    model = batchnorm_model(device)
    stopper = make_stopper(patience=3)
    metrics = (2.0, 1.0, 1.5, 1.25, 0.5, 0.75)  # improvements and calls without, no stop
    snapshots = []
    for i, metric in enumerate(metrics):
        train_a_little(model, gen)
        model.train(i % 2 == 0)  # the caller's mode, either way
        before = snapshot(model)
        snapshots.append(before)
        flag = stopper.step(metric, model)
        what = (
            f"EarlyStopping(patience=3) step call {i} on {metrics[: i + 1]} (not a stopping "
            f"call), with the model in {'train' if i % 2 == 0 else 'eval'} mode"
        )
        if flag is not False:
            raise AssertionError(f"{what} returned {flag!r}; expected False.")
        if model.training != (i % 2 == 0):
            raise AssertionError(
                f"{what} changed the model's training mode to "
                f"{'train' if model.training else 'eval'}: step only reads the model's "
                f"weights, it must not call model.eval() or model.train()."
            )
        best = snapshots[reference(metrics[: i + 1], 3, 0.0, "min").best_epoch]
        state = model.state_dict()
        if all(torch.equal(state[k], v) for k, v in best.items()):
            why = (
                "loading the best weights on every call without improvement; only the "
                "stopping call (and restore) loads them"
            )
        else:
            why = "step changed the weights (an in-place op on them, or a state loaded into them)"
        check_weights(model, before, None, f"{what}: the model's weights. Likely mistake: {why}")


@pytest.mark.task(2)
def test_without_restore_best_weights_no_weights_are_kept(device):
    gen = torch.Generator().manual_seed(8)
    model = batchnorm_model(device)
    stopper = make_stopper(patience=3, restore_best_weights=False)
    for metric in (2.0, 1.0, 1.5, 0.5):
        train_a_little(model, gen)
        stopper.step(metric, model)

    live = {t.data_ptr() for t in [*model.parameters(), *model.buffers()]}

    def tensors_in(value, path, seen):
        """Paths to tensors held by value that are not the model's own live tensors."""
        if id(value) in seen:
            return []
        seen.add(id(value))
        if isinstance(value, torch.Tensor):
            return [] if value.data_ptr() in live else [path]
        if isinstance(value, dict):
            items = value.items()
        elif isinstance(value, list | tuple | set):
            items = enumerate(value)
        elif hasattr(value, "__dict__"):
            items = vars(value).items()
        else:
            return []
        return [hit for k, v in items for hit in tensors_in(v, f"{path}.{k}", seen)]

    kept = tensors_in(stopper, "stopper", set())
    if kept:
        raise AssertionError(
            f"EarlyStopping(patience=3, restore_best_weights=False) after four step calls "
            f"holds copies of tensors at {kept[:5]}; with restore_best_weights=False no "
            f"weights are kept (a copy of a large model costs as much memory as the model). "
            f"Likely mistake: copying the state_dict on every improvement whatever the flag."
        )


@pytest.mark.task(2)
def test_restore_without_restore_best_weights_is_a_no_op(device):
    model = batchnorm_model(device)
    before = snapshot(model)
    what = "EarlyStopping(restore_best_weights=False).restore(model) before any step"
    try:
        make_stopper(restore_best_weights=False).restore(model)
    except NotImplementedError:
        raise
    except RuntimeError as err:
        raise AssertionError(
            f"{what} raised RuntimeError: {err}. With restore_best_weights=False restore "
            f"leaves the model as it is; only restore_best_weights=True with no step yet "
            f"raises. Likely mistake: checking for kept weights before the flag."
        ) from err
    check_weights(model, before, None, f"{what}: the model's weights")
