"""Tests for kata 55: a loop-free rewrite, timed with torch.utils.benchmark.Timer.

Nothing here asserts on time. The rewrite is checked against a plain loop written in this
file, and proven loop-free by counting torch calls at two batch sizes. The timing helper
is checked by structure (Measurement objects, labels, threads, how often the inputs were
built); the speed-up of the rewrite is measured and printed, never asserted.
"""

from __future__ import annotations

import math

import pytest
import torch
from torch.utils.benchmark import Measurement, TaskSpec

from torchkatas.harness import assert_raises, assert_tensor_close, count_torch_calls, load_kata

kata = load_kata(__file__)


# ----------------------------------------------------------------------------- helpers


def loop_means(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """The oracle: a plain loop over the rows, in float64, cast back to x's dtype."""
    out = torch.zeros(x.shape[0], dtype=torch.float64, device=x.device)
    for i in range(x.shape[0]):
        n = int(lengths[i])
        if n > 0:
            out[i] = x[i, :n].double().sum() / n
    return out.to(x.dtype)


def make_case(gen, n: int, t: int, device, *, dtype=torch.float32, padding: str = "large"):
    """x (n, t) with padding past each row's length, and lengths (n,) in [0, t].

    When n >= 3 one row is empty (length 0) and one is full (length t).
    """
    x = torch.randn(n, t, generator=gen, dtype=torch.float64)
    lengths = torch.randint(0, t + 1, (n,), generator=gen)
    if n >= 3:
        lengths[0], lengths[1] = 0, t
    pad = torch.arange(t)[None, :] >= lengths[:, None]
    fill = {
        "large": torch.full((n, t), 1e6, dtype=torch.float64),
        "inf": torch.tensor([math.inf, -math.inf, math.nan], dtype=torch.float64).repeat(
            n, t // 3 + 1
        )[:, :t],
    }[padding]
    x = torch.where(pad, fill, x)
    return x.to(dtype).to(device), lengths.to(device)


def means(x, lengths, what: str):
    """Call the learner's masked_row_means; explain a crash on an empty batch."""
    __tracebackhide__ = True
    try:
        return kata.masked_row_means(x, lengths)
    except NotImplementedError:
        raise
    except (RuntimeError, IndexError) as err:
        if x.shape[0] != 0:
            raise
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}. An empty batch (N = 0) is legal. "
            f"Likely mistake: lengths.max() of an empty tensor raises (check with "
            f"(lengths > T).any()), or torch.stack of an empty list (a loop in disguise)."
        ) from err


def nan_cause(got, x, lengths) -> str | None:
    """Why the result has NaN where the loop has none, told apart by which rows have it."""
    if not isinstance(got, torch.Tensor) or got.shape != (x.shape[0],):
        return None
    bad = torch.isnan(got) & ~torch.isnan(loop_means(x, lengths))
    if not bool(bad.any()):
        return None
    finite_rows = torch.isfinite(x).all(dim=1) if x.shape[1] else torch.ones_like(bad)
    if bool((bad & (lengths == 0) & finite_rows).any()):
        return (
            "dividing by a length of 0 gives NaN (0 / 0); divide by lengths.clamp(min=1), "
            "an empty row's sum is 0 anyway."
        )
    return (
        "multiplying by the mask: 0 * inf and 0 * NaN are NaN. Select the values with "
        "torch.where(mask, x, 0) instead."
    )


def mean_mistake(got, x, lengths) -> str:
    """Which usual slip the result matches: a mask one too long, or a division by T."""
    if isinstance(got, torch.Tensor) and got.shape == (x.shape[0],):
        t = x.shape[1]
        mask = torch.arange(t, device=x.device)[None, :] <= lengths[:, None]
        xd = torch.where(mask, x.double(), 0.0)
        off_by_one = [  # one value too many, divided by the length or by the count taken
            (xd.sum(1) / n.clamp(min=1)).to(x.dtype) for n in (lengths, (lengths + 1).clamp(max=t))
        ]
        inside = torch.arange(t, device=x.device)[None, :] < lengths[:, None]
        by_t = (torch.where(inside, x.double(), 0.0).sum(1) / max(t, 1)).to(x.dtype)
        for alt, why in (
            *((o, "padding included: a mask that is off by one (<= instead of <).")
              for o in off_by_one),
            (by_t, "a sum divided by T instead of the row's length."),
        ):  # fmt: skip
            if torch.allclose(got, alt, rtol=1e-4, atol=1e-4, equal_nan=True):
                return why
    return (
        "padding included (a mask that is off by one, <= instead of <), or a sum divided by "
        "T instead of the row's length."
    )


def check_means(x, lengths, what: str, mistake="") -> None:
    """mistake: a message, or a function (got, x, lengths) -> message for a second look."""
    __tracebackhide__ = True
    got = means(x, lengths, what)
    if callable(mistake):
        mistake = mistake(got, x, lengths)
    mistake = nan_cause(got, x, lengths) or mistake
    assert_tensor_close(got, loop_means(x, lengths), what=what, mistake=mistake)


def shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(s) for s in t.shape) + ("," if t.dim() == 1 else "") + ")"


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_rewrite_is_loop_free():
    """The number of torch calls does not grow with the batch size or the row length."""
    gen = torch.Generator().manual_seed(0)
    counts = {}
    for n, t in ((3, 4), (40, 4), (3, 40)):
        x, lengths = make_case(gen, n, t, "cpu")
        with count_torch_calls() as calls:
            kata.masked_row_means(x, lengths)
        counts[(n, t)] = sum(calls.values())
    if len(set(counts.values())) != 1:
        grown = ", ".join(f"{n} x {t}: {c}" for (n, t), c in counts.items())
        raise AssertionError(
            f"masked_row_means(x, lengths) made a number of torch calls that depends on the "
            f"input size (x of N x T: calls) {grown}. Likely mistake: a Python loop over the "
            f"rows; a list comprehension or torch.stack([... for i in range(N)]) is a loop "
            f"too. Build a (N, T) mask from torch.arange(T) < lengths[:, None]."
        )


@pytest.mark.task(1)
def test_rewrite_matches_the_loop_on_random_batches(device):
    gen = torch.Generator().manual_seed(1)
    for trial in range(12):
        n = int(torch.randint(2, 10, (), generator=gen))
        t = int(torch.randint(1, 13, (), generator=gen))
        dtype = (torch.float32, torch.float64)[trial % 2]
        x, lengths = make_case(gen, n, t, device, dtype=dtype)
        check_means(
            x,
            lengths,
            f"masked_row_means(x {shape(x)} {dtype}, lengths {lengths.tolist()})",
            mistake=mean_mistake,
        )


@pytest.mark.task(1)
@pytest.mark.parametrize("n, t", [(0, 5), (1, 1), (1, 6), (3, 0), (5, 1), (2, 7)])
def test_rewrite_handles_edge_sizes(n, t, device):
    gen = torch.Generator().manual_seed(2 + n + 10 * t)
    x, lengths = make_case(gen, n, t, device)
    what = f"masked_row_means(x {shape(x)}, lengths {lengths.tolist()})"
    got = means(x, lengths, what)
    if isinstance(got, torch.Tensor) and got.shape != (n,):
        raise AssertionError(
            f"{what} returned shape {shape(got)}; expected ({n},), one mean per row. Likely "
            f"mistake: "
            + (
                "squeeze() on a batch of one removes the batch axis as well."
                if n == 1
                else "a reduction over the wrong dimension."
            )
        )
    assert_tensor_close(
        got, loop_means(x, lengths), what=what, mistake=nan_cause(got, x, lengths) or ""
    )


@pytest.mark.task(1)
def test_empty_rows_give_zero(device):
    gen = torch.Generator().manual_seed(3)
    x = torch.randn(4, 5, generator=gen).to(device)
    lengths = torch.tensor([0, 2, 0, 5], device=device)
    check_means(
        x,
        lengths,
        f"masked_row_means(x (4, 5), lengths {lengths.tolist()}) with two rows of length 0",
        mistake="dividing by a length of 0 gives NaN (0 / 0); divide by "
        "lengths.clamp(min=1), an empty row's sum is 0 anyway.",
    )


@pytest.mark.task(1)
def test_padding_never_leaks_even_inf_and_nan(device):
    gen = torch.Generator().manual_seed(4)
    for n, t in ((4, 6), (7, 3)):
        x, lengths = make_case(gen, n, t, device, padding="inf")
        check_means(
            x,
            lengths,
            f"masked_row_means(x {shape(x)}, lengths {lengths.tolist()}) with inf, -inf and "
            f"NaN as padding",
        )


@pytest.mark.task(1)
def test_rewrite_takes_strided_inputs_and_int32_lengths(device):
    """Transposed x, a strided lengths column and int32 lengths give the loop's means."""
    gen = torch.Generator().manual_seed(5)
    x, lengths = make_case(gen, 6, 8, device)
    wide = torch.stack([lengths, torch.zeros_like(lengths)], dim=1)  # (6, 2)
    cases = [
        (x.t().contiguous().t(), lengths, "x transposed (column-major)"),
        (x, wide[:, 0], "lengths a strided column of a (6, 2) tensor"),
        (x, lengths.int(), "lengths of dtype int32"),
    ]
    for xs, ls, label in cases:
        check_means(
            xs,
            ls,
            f"masked_row_means(x (6, 8), lengths {ls.tolist()}) with {label}",
            mistake="integer arithmetic with int32 lengths (sums cast to lengths' dtype, or "
            "//), since the values are right for int64 lengths."
            if ls.dtype == torch.int32
            else "code that assumes contiguous memory (offsets into x.flatten(), "
            "as_strided, x.storage()): the values are right for a contiguous input.",
        )


@pytest.mark.task(1)
def test_rewrite_leaves_its_inputs_alone(device):
    gen = torch.Generator().manual_seed(6)
    x, lengths = make_case(gen, 5, 7, device)
    x_before, lengths_before = x.clone(), lengths.clone()
    kata.masked_row_means(x, lengths)
    what = "masked_row_means(x (5, 7), lengths (5,))"
    assert_tensor_close(
        x,
        x_before,
        what=f"{what}: x afterwards",
        mistake="changed the caller's x in place (masked_fill_ or zeroing the padding).",
    )
    assert_tensor_close(
        lengths,
        lengths_before,
        what=f"{what}: lengths afterwards",
        mistake="changed the caller's lengths in place (clamp_).",
    )


@pytest.mark.task(1)
def test_bad_shapes_and_lengths_raise_value_error(device):
    x = torch.zeros(3, 4, device=device)
    good = torch.tensor([1, 2, 3], device=device)
    cases = [
        (torch.zeros(4, device=device), good[:1], "x of shape (4,), not 2-D"),
        (torch.zeros(3, 4, 1, device=device), good, "x of shape (3, 4, 1), not 2-D"),
        (x, torch.tensor([1, 2, 3, 4], device=device), "lengths of shape (4,) for N = 3"),
        (x, good[:, None], "lengths of shape (3, 1)"),
        (x, torch.tensor([1, -1, 2], device=device), "a length of -1"),
        (x, torch.tensor([1, 5, 2], device=device), "a length of 5 > T = 4"),
    ]
    for xs, ls, label in cases:
        assert_raises(
            ValueError,
            kata.masked_row_means,
            xs,
            ls,
            what=f"masked_row_means(x {shape(xs)}, lengths {shape(ls)}) with {label}",
            mistake="no check of the shapes and of 0 <= lengths <= T: a length past T "
            "silently averages fewer values than it claims.",
        )


# ----------------------------------------------------------------------------- task 2


class Counted:
    """A function that counts its calls and records torch's thread setting inside them."""

    def __init__(self, fn) -> None:
        self.fn = fn
        self.calls = 0
        self.threads: set[int] = set()
        self.args: list[tuple] = []

    def __call__(self, *args):
        self.calls += 1
        self.threads.add(torch.get_num_threads())
        if len(self.args) < 1:
            self.args.append(args)
        return self.fn(*args)


def small_work(device):
    made = {"calls": 0}

    def make_args():
        made["calls"] += 1
        return (torch.ones(16, device=device),)

    fns = {"add": Counted(lambda t: t + 1), "mul": Counted(lambda t: t * 2)}
    return fns, make_args, made


def call_time_functions(fns, make_args, what: str, **kwargs) -> dict:
    __tracebackhide__ = True
    result = kata.time_functions(fns, make_args, **kwargs)
    if not isinstance(result, dict):
        raise AssertionError(
            f"{what} returned {type(result).__name__}; expected a dict name -> Measurement."
        )
    if list(result) != list(fns):
        raise AssertionError(
            f"{what} returned the keys {list(result)}; expected {list(fns)}, in that order."
        )
    for name, m in result.items():
        if not isinstance(m, Measurement):
            raise AssertionError(
                f"{what}[{name!r}] is {type(m).__name__} {m!r}; expected a "
                f"torch.utils.benchmark.Measurement. Likely mistake: "
                + (
                    "timing by hand (time.time() around one call) instead of "
                    "Timer(...).blocked_autorange()."
                    if isinstance(m, float)
                    else "returning a number read from the Measurement (m.median, m.mean) or "
                    "another object instead of the Measurement itself."
                )
            )
    return result


@pytest.mark.task(2)
def test_time_functions_returns_labelled_measurements(device):
    fns, make_args, _ = small_work(device)
    what = (
        "time_functions({'add': ..., 'mul': ...}, make_args, label='tiny ops', min_run_time=0.02)"
    )
    result = call_time_functions(fns, make_args, what, label="tiny ops", min_run_time=0.02)
    for name, m in result.items():
        spec = m.task_spec
        if (spec.label, spec.sub_label) != ("tiny ops", name):
            raise AssertionError(
                f"{what}[{name!r}] has label={spec.label!r}, sub_label={spec.sub_label!r}; "
                f"expected label='tiny ops', sub_label={name!r} (pass them to Timer, so "
                f"torch.utils.benchmark.Compare can group the rows)."
            )
        if not (m.median > 0 and math.isfinite(m.median)):
            raise AssertionError(
                f"{what}[{name!r}] has median {m.median}; expected > 0. Likely mistake: a "
                f"Measurement built by hand instead of the one Timer returns."
            )
        if fns[name].calls == 0:
            raise AssertionError(
                f"{what}: the function {name!r} was never called; expected Timer to run it. "
                f"Likely mistake: stmt naming another function than this one (globals= "
                f"without it), or the Measurement not from its Timer."
            )
        if fns[name].args[0][0].shape != (16,):
            raise AssertionError(
                f"{what}: {name!r} was called with {fns[name].args[0]}; expected the tuple "
                f"make_args() returns, unpacked: fn(*args)."
            )


@pytest.mark.task(2)
def test_the_inputs_are_built_outside_the_timed_statement(device):
    fns, make_args, made = small_work(device)
    what = "time_functions({'add': ..., 'mul': ...}, make_args, label='setup', min_run_time=0.02)"
    call_time_functions(fns, make_args, what, label="setup", min_run_time=0.02)
    runs = min(fn.calls for fn in fns.values())
    if made["calls"] >= runs:
        raise AssertionError(
            f"{what}: make_args() ran {made['calls']} times for {runs} runs of a function: "
            f"the setup inside the timed statement, so its cost is in every measurement. "
            f"Likely mistake: stmt='fn(*make_args())'; build the inputs once and time only "
            f"fn(*args)."
        )
    if made["calls"] != 1:
        raise AssertionError(
            f"{what}: make_args() ran {made['calls']} times; expected once, so that every "
            f"function is timed on the same inputs (Timer's setup runs again for every "
            f"block of runs). Likely mistake: make_args() in Timer's setup string, or once "
            f"per function."
        )
    first, second = (fn.args[0] for fn in fns.values())
    if any(a is not b for a, b in zip(first, second, strict=True)):
        raise AssertionError(
            f"{what}: 'add' and 'mul' were called with different input tensors; expected "
            f"the one tuple make_args() returned, for a fair comparison. Likely mistake: "
            f"copies of the inputs made per function (clone, deepcopy)."
        )


@pytest.mark.task(2)
def test_time_functions_uses_the_given_threads_and_restores_torchs(device):
    fns, make_args, _ = small_work(device)
    before = torch.get_num_threads()
    wanted = before + 1
    what = (
        f"time_functions(fns, make_args, label='threads', num_threads={wanted}, "
        f"min_run_time=0.02) with torch.get_num_threads() = {before} before"
    )
    result = call_time_functions(
        fns, make_args, what, label="threads", num_threads=wanted, min_run_time=0.02
    )
    after = torch.get_num_threads()
    if after != before:
        torch.set_num_threads(before)
        raise AssertionError(
            f"{what}: torch.get_num_threads() is {after} afterwards. Likely mistake: "
            f"torch.set_num_threads(num_threads) by hand; pass num_threads=... to Timer, "
            f"which sets the threads while timing and restores them."
        )
    for name, m in result.items():
        if m.task_spec.num_threads != wanted or fns[name].threads != {wanted}:
            raise AssertionError(
                f"{what}: {name!r} ran with threads {sorted(fns[name].threads)} and its "
                f"Measurement says num_threads={m.task_spec.num_threads}; expected {wanted}. "
                f"Likely mistake: Timer(..., num_threads=num_threads) not passed (its "
                f"default is 1)."
            )


@pytest.mark.task(2)
def test_time_functions_measures_for_at_least_min_run_time(device):
    fns, make_args, _ = small_work(device)
    what = "time_functions(fns, make_args, label='long enough', min_run_time=0.05)"
    result = call_time_functions(fns, make_args, what, label="long enough", min_run_time=0.05)
    for name, m in result.items():
        measured = sum(m.raw_times)
        if measured < 0.05 * 0.999:
            raise AssertionError(
                f"{what}[{name!r}] holds {len(m.raw_times)} block(s) of "
                f"{m.number_per_run} runs, {measured:.3g} s in all; expected at least "
                f"min_run_time = 0.05 s. Likely mistake: "
                + (
                    "Timer.timeit(1), a single run whose median means nothing; use "
                    "blocked_autorange(min_run_time=min_run_time)."
                    if len(m.raw_times) == 1 and m.number_per_run == 1
                    else "a fixed number of runs (Timer.timeit(n)) or a min_run_time other "
                    "than the one given: use blocked_autorange(min_run_time=min_run_time)."
                )
            )


# ----------------------------------------------------------------------------- task 3


def measurement(times: list[float], number: int = 10, threads: int = 1) -> Measurement:
    """A Measurement with the given seconds per run (as blocked_autorange would make)."""
    spec = TaskSpec(stmt="fn(*args)", setup="pass", label="made up", num_threads=threads)
    return Measurement(number, [t * number for t in times], spec)


@pytest.mark.task(3)
def test_speedup_is_the_ratio_of_the_medians():
    gen = torch.Generator().manual_seed(7)
    for _ in range(6):
        # skewed blocks: a few slow outliers, as a busy machine makes them
        base = (torch.rand(9, generator=gen) + 1.0) * 1e-3
        cand = (torch.rand(7, generator=gen) + 1.0) * 1e-5
        base[:2] *= 20
        cand[-1] *= 50
        baseline, candidate = measurement(base.tolist()), measurement(cand.tolist())
        got = kata.speedup(baseline, candidate)
        expected = baseline.median / candidate.median
        what = (
            f"speedup(baseline, candidate) for a baseline of median {baseline.median:.3g} s "
            f"and a candidate of median {candidate.median:.3g} s"
        )
        if type(got) is not float:
            raise AssertionError(
                f"{what} returned {type(got).__name__}; expected a float. Likely mistake: a "
                f"tensor or a Measurement returned instead of the ratio of two medians."
            )
        if math.isclose(got, expected, rel_tol=1e-9):
            continue
        if math.isclose(got, 1 / expected, rel_tol=1e-9):
            why = "the ratio inverted (candidate / baseline): above 1 must mean faster."
        elif math.isclose(got, baseline.mean / candidate.mean, rel_tol=1e-9):
            why = "the ratio of the means, which a few slow blocks pull far off."
        elif math.isclose(got, min(baseline.times) / min(candidate.times), rel_tol=1e-9):
            why = "the ratio of the fastest runs, not of the medians."
        else:
            why = "not Measurement.median of each (per run, in seconds)."
        raise AssertionError(
            f"{what} returned {got:.6g}; expected {expected:.6g}. Likely mistake: {why}"
        )


@pytest.mark.task(3)
def test_speedup_refuses_different_thread_counts():
    baseline = measurement([2e-3, 2.1e-3, 1.9e-3], threads=4)
    candidate = measurement([1e-5, 1.1e-5], threads=1)
    assert_raises(
        ValueError,
        kata.speedup,
        baseline,
        candidate,
        what="speedup(baseline measured with 4 threads, candidate with 1)",
        mistake="no check of task_spec.num_threads: more threads make the baseline faster "
        "or slower, whatever the code.",
    )


@pytest.mark.task(3)
def test_rewrite_speedup_is_reported(device, request, capsys):
    """The rewrite is equal, and its speed-up is measured and printed (never asserted)."""
    gen = torch.Generator().manual_seed(8)
    x, lengths = make_case(gen, 256, 32, device)
    assert_tensor_close(
        kata.masked_row_means(x, lengths),
        loop_means(x, lengths),
        what="masked_row_means(x (256, 32), lengths (256,))",
    )
    fns = {"loop": loop_means, "vectorised": kata.masked_row_means}
    what = "time_functions({'loop': ..., 'vectorised': ...}, make_args, label='row means')"
    result = call_time_functions(
        fns, lambda: (x, lengths), what, label="row means", min_run_time=0.1
    )
    ratio = kata.speedup(result["loop"], result["vectorised"])
    if not (isinstance(ratio, float) and ratio > 0 and math.isfinite(ratio)):
        raise AssertionError(f"speedup(loop, vectorised) returned {ratio!r}; expected a float > 0.")
    line = (
        f"55_benchmark on {device}: loop {result['loop'].median * 1e3:.3g} ms, vectorised "
        f"{result['vectorised'].median * 1e3:.3g} ms per call (medians): {ratio:.0f}x faster"
    )
    if request.config.option.gate:
        print(line)
    else:
        with capsys.disabled():
            print(f"\n{line}")
