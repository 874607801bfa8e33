"""Tests for kata 63: stragglers, hung ranks and exact restarts from a checkpoint.

Task 1 is a pure function, tested on synthetic step times against a plain loop. Tasks 2-4
share two spawns of two gloo ranks per implementation (torchkatas.launch):

- the crash: a first training run in which rank 1 dies (os._exit) at step KILL_AT;
- then one run for everything else: a run that resumes from the crash's checkpoint, an
  uninterrupted run, the step-time gather with rank 1 made slow (the only test that
  depends on the clock, with a margin of many times), and monitored_barrier twice: with
  every rank present, then with rank 1 hung until rank 0 has reported it.
"""

from __future__ import annotations

import datetime
import inspect
import os
import time
import traceback
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import (
    ImplRef,
    NotStarted,
    assert_raises,
    assert_tensor_close,
    load_kata,
    load_path,
    not_started_site,
)
from torchkatas.launch import RanksFailed, file_init_method, run_ranks

kata = load_kata(__file__)

STEPS, EVERY, KILL_AT, KILL_CODE = 8, 2, 5, 17  # rank 1 dies fetching step 5: resume at 4
LAST_CHECKPOINT = (KILL_AT // EVERY) * EVERY
LR = 0.05
MAX_TIMEOUT_S = 300  # "short": minutes at most, not gloo's default 30
SLOW_S, TIMED_STEPS, WARMUP = 0.2, 4, 1  # rank 1's step_fn sleeps 0.2 s; rank 0's does nothing
BARRIER_TIMEOUT_S = 2.0  # rank 0 waits this long for the hung rank: the ranks arrive ms apart
HUNG_WAIT_S = 12.0  # how long rank 1 stays "hung" at most, if rank 0 never releases it
TIGHT = {"rtol": 1e-10, "atol": 1e-12}

_crashes: dict[ImplRef, Any] = {}  # the crash run, per train_resumable
_reports: dict[tuple[Any, ...], Any] = {}  # the main run, per implementation of tasks 2-4


# ----------------------------------------------------------------------------- task 1


def loop_stragglers(times: list[list[float]], factor: float, warmup: int) -> list[int]:
    """The oracle, written plainly: torch.median's lower middle value, then the rule."""
    medians = []
    for row in times:
        kept = sorted(row[warmup:])
        medians.append(kept[(len(kept) - 1) // 2])
    fastest = min(medians)
    return [r for r, m in enumerate(medians) if m > factor * fastest]


STRAGGLER_SLIPS = {
    "mean": "the mean instead of the median: one slow step (a checkpoint, a GC pause) pulls "
    "the mean up, the median stays typical.",
    "baseline mean": "a baseline that includes the slow ranks (the mean of all ranks' "
    "medians): compare with factor times the smallest median.",
    "warmup counted": "the warmup steps were counted: drop the first `warmup` steps of every "
    "rank (step_times[:, warmup:]).",
    ">=": "'>=' instead of '>': a rank is a straggler only when its median is more than "
    "factor times the fastest.",
    "middle average": "the two middle values averaged (statistics.median, "
    "torch.quantile(0.5)): torch.median takes the lower one.",
}


def slipped_stragglers(times: list[list[float]], factor: float, warmup: int, slip: str):
    """loop_stragglers with one usual slip, to see which one a wrong answer made."""
    medians = []
    for row in times:
        kept = sorted(row[0 if slip == "warmup counted" else warmup :])
        if slip == "mean":
            medians.append(sum(kept) / len(kept))
        elif slip == "middle average":
            medians.append((kept[(len(kept) - 1) // 2] + kept[len(kept) // 2]) / 2)
        else:
            medians.append(kept[(len(kept) - 1) // 2])
    base = sum(medians) / len(medians) if slip == "baseline mean" else min(medians)
    if slip == ">=":
        return [r for r, m in enumerate(medians) if m >= factor * base]
    return [r for r, m in enumerate(medians) if m > factor * base]


def straggler_mistake(times: list[list[float]], factor, warmup, got, fallback: str) -> str:
    """The slips whose result is the wrong answer got, or the fallback when none is."""
    want = loop_stragglers(times, factor, warmup)
    named = [
        why
        for slip, why in STRAGGLER_SLIPS.items()
        if slipped_stragglers(times, factor, warmup, slip) == got != want
    ]
    return " Or: ".join(named) if named else fallback


def random_times(gen: torch.Generator, ranks: int, steps: int) -> torch.Tensor:
    """(ranks, steps) step times near 0.1 s, some ranks slowed 2-5x, some one-off spikes."""
    base = 0.1 * torch.exp(0.1 * torch.randn(ranks, steps, generator=gen, dtype=torch.float64))
    for r in range(ranks):
        kind = int(torch.randint(0, 4, (), generator=gen))
        if kind == 0:  # a straggler at every step
            base[r] *= 2 + 3 * float(torch.rand((), generator=gen))
        elif kind == 1 and steps > 2:  # one slow step (a checkpoint): not a straggler
            base[r, int(torch.randint(0, steps, (), generator=gen))] *= 20
    return base


def call_find(times: torch.Tensor, factor: float, warmup: int, what: str) -> list[int]:
    __tracebackhide__ = True
    original = times.clone()
    got = kata.find_stragglers(times, factor=factor, warmup=warmup)
    assert_tensor_close(
        times,
        original,
        what=f"{what}: the caller's step_times afterwards",
        mistake="sorting step_times in place (sort_) instead of a copy.",
    )
    if not isinstance(got, list) or not all(type(r) is int for r in got):
        raise AssertionError(
            f"{what} returned {got!r}, expected a list of Python ints (rank numbers)."
        )
    return got


@pytest.mark.task(1)
def test_find_stragglers_matches_a_plain_loop_on_random_times(device):
    gen = torch.Generator().manual_seed(63)
    for trial in range(40):
        ranks = int(torch.randint(1, 7, (), generator=gen))
        steps = int(torch.randint(2, 10, (), generator=gen))
        warmup = int(torch.randint(0, steps, (), generator=gen))
        factor = 1.2 + float(torch.rand((), generator=gen))
        dtype = torch.float32 if trial % 4 == 3 else torch.float64
        times = random_times(gen, ranks, steps).to(dtype)
        if trial % 3 == 2:  # non-contiguous: a transposed (steps, ranks) tensor
            times = times.t().contiguous().t()
        times = times.to(device)
        what = (
            f"find_stragglers(step_times of shape {tuple(times.shape)} {dtype}, "
            f"factor={factor:.3f}, warmup={warmup}) (trial {trial})"
        )
        got = call_find(times, factor, warmup, what)
        want = loop_stragglers(times.double().cpu().tolist(), factor, warmup)
        if got != want:
            mistake = straggler_mistake(
                times.double().cpu().tolist(),
                factor,
                warmup,
                got,
                "the median over the wrong dim (per step instead of per rank), a baseline "
                "other than the fastest rank's median, or the mean instead of the median.",
            )
            raise AssertionError(
                f"{what} returned {got}, expected {want} (medians after warmup: "
                f"{[round(m, 4) for m in _medians(times, warmup)]}). Likely mistake: {mistake}"
            )


def _medians(times: torch.Tensor, warmup: int) -> list[float]:
    return [sorted(row[warmup:])[(len(row) - warmup - 1) // 2] for row in times.double().tolist()]


CASES = [  # (name, times, factor, warmup, expected, the mistake a wrong answer points to)
    (
        "one slow step is not a straggler",
        [[1.0, 1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 30.0, 1.0, 1.0]],
        1.5, 0, [],
        "the mean instead of the median: one 30 s step (a checkpoint, a GC pause) pulls "
        "the mean up, the median stays typical.",
    ),
    (
        "the baseline is the fastest rank",
        [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.6, 1.6, 1.6], [1.6, 1.6, 1.6]],
        1.5, 0, [2, 3],
        "a baseline that includes the slow ranks (the mean of all ranks' medians): compare "
        "with factor times the smallest median.",
    ),
    (
        "the warmup steps are ignored",
        [[1.0, 1.0, 1.0], [10.0, 10.0, 1.0]],
        1.5, 1, [],
        "the warmup steps were counted: drop the first `warmup` steps of every rank "
        "(step_times[:, warmup:]).",
    ),
    (
        "exactly factor times slower is not a straggler",
        [[1.0, 1.0, 1.0], [1.5, 1.5, 1.5]],
        1.5, 0, [],
        "'>=' instead of '>': a rank is a straggler only when its median is more than "
        "factor times the fastest.",
    ),
    (
        "an even count takes the lower middle value",
        [[1.0, 1.0, 1.0, 1.0, 1.0], [9.0, 1.0, 2.0, 4.0, 5.0]],
        2.5, 1, [],
        "the two middle values averaged (statistics.median, torch.quantile(0.5)): "
        "torch.median takes the lower one (2.0 here, not 3.0).",
    ),
    (
        "a single rank is never a straggler",
        [[5.0, 7.0]],
        1.5, 0, [],
        "comparing with something other than the ranks' own medians.",
    ),
    (
        "one step left after warmup",
        [[1.0, 0.1], [1.0, 0.5]],
        2.0, 1, [1],
        "the warmup steps were counted, or the median taken over the wrong dim.",
    ),
]  # fmt: skip


@pytest.mark.task(1)
@pytest.mark.parametrize("case", CASES, ids=[c[0].replace(" ", "_") for c in CASES])
def test_find_stragglers_case(case, device):
    name, rows, factor, warmup, want, mistake = case
    times = torch.tensor(rows, dtype=torch.float64, device=device)
    what = f"find_stragglers({rows}, factor={factor}, warmup={warmup}) [{name}]"
    got = call_find(times, factor, warmup, what)
    if got != want:
        # the case was built for `mistake`; name every slip that gives this very answer
        mistake = straggler_mistake(rows, factor, warmup, got, mistake)
        raise AssertionError(f"{what} returned {got}, expected {want}. Likely mistake: {mistake}")


@pytest.mark.task(1)
@pytest.mark.parametrize(
    ("shape", "factor", "warmup"),
    [((4,), 1.5, 0), ((2, 3), 1.5, 3), ((2, 3), 0.5, 0), ((2, 3), 1.5, -1)],
    ids=["1-d", "warmup-leaves-nothing", "factor-below-1", "negative-warmup"],
)
def test_find_stragglers_raises_value_error(shape, factor, warmup, device):
    times = torch.ones(shape, dtype=torch.float64, device=device)
    what = f"find_stragglers(step_times of shape {shape}, factor={factor}, warmup={warmup})"
    assert_raises(
        ValueError,
        kata.find_stragglers,
        times,
        factor=factor,
        warmup=warmup,
        what=what,
        mistake="a missing check: step_times must be 2-D, at least one step must remain "
        "after warmup, and factor must be at least 1.",
    )


# ----------------------------------------------------------------------------- in each rank


def make_model() -> nn.Module:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(630)
        return nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)).double()


def make_batch(step: int, rank: int) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1000 * step + rank)
    x = torch.randn(5, 4, generator=gen, dtype=torch.float64)
    return x, torch.randn(5, 2, generator=gen, dtype=torch.float64)


def _spy(saves: list[str], inits: list[float | None], log: str | None = None) -> None:
    """Record torch.save targets (also into `log`, line by line, which outlives a killed
    rank) and init_process_group's timeout, then pass the calls on."""
    import torch.distributed as dist
    import torch.serialization
    from torch.distributed import distributed_c10d as c10d

    real_save, real_init = torch.serialization.save, c10d.init_process_group
    signature = inspect.signature(real_init)

    def save(obj, f, *args, **kwargs):
        saves.append(str(f))
        if log is not None:
            with open(log, "a", encoding="utf-8") as out:
                out.write(f"{f}\n")
        return real_save(obj, f, *args, **kwargs)

    def init_process_group(*args, **kwargs):
        timeout = signature.bind(*args, **kwargs).arguments.get("timeout")
        inits.append(None if timeout is None else timeout.total_seconds())
        return real_init(*args, **kwargs)

    torch.save = torch.serialization.save = save
    dist.init_process_group = c10d.init_process_group = init_process_group


def _train(
    impl, rank, world_size, init, checkpoint, kill_at, saves, inits, reraise=False
) -> dict[str, Any]:
    """One call of train_resumable with a data_fn that logs steps (and may kill this rank)."""
    requested: list[int] = []

    def data_fn(step: int, r: int):
        requested.append(step)
        if kill_at is not None and r == 1 and step == kill_at:
            os._exit(KILL_CODE)  # the planned crash: no cleanup, no exception
        return make_batch(step, r)

    saves.clear()
    inits.clear()
    report: dict[str, Any] = {"error": None, "not_started": None}
    try:
        report["state"] = impl(
            rank, world_size, init, make_model, data_fn,
            checkpoint, steps=STEPS, every=EVERY, lr=LR,
        )  # fmt: skip
    except NotImplementedError as err:
        if reraise:
            raise
        report["not_started"] = (traceback.format_exc(), not_started_site(err))
    except Exception as err:
        report["error"] = f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
    report.update(requested=requested, saves=list(saves), inits=list(inits))
    return report


def _crash_in_rank(rank: int, world_size: int, impl: ImplRef, init: str, checkpoint: str) -> None:
    """The first run: rank 1 dies fetching step KILL_AT; rank 0 fails on its next collective."""
    saves: list[str] = []
    inits: list[float | None] = []
    log = Path(f"{checkpoint}.rank{rank}.saves")
    log.write_text("")
    _spy(saves, inits, str(log))
    report = _train(
        impl.resolve(), rank, world_size, init, checkpoint, KILL_AT, saves, inits, reraise=True
    )
    if report["error"]:
        raise RuntimeError(report["error"])


def _main_in_rank(
    rank: int,
    world_size: int,
    impls: dict[str, ImplRef],
    crashed: str,
    fresh: str,
    inits_for: tuple[str, str, str],
    release: str,
) -> dict[str, Any]:
    """Everything after the crash, in the same order on both ranks."""
    import torch.distributed as dist
    from torch.distributed import distributed_c10d as c10d

    saves: list[str] = []
    inits: list[float | None] = []
    _spy(saves, inits)
    barrier_calls: list[dict[str, Any]] = []
    real_monitored = c10d.monitored_barrier

    def monitored_barrier(*args, **kwargs):
        bound = inspect.signature(real_monitored).bind(*args, **kwargs).arguments
        timeout = bound.get("timeout")
        barrier_calls.append(
            {
                "timeout_s": None if timeout is None else timeout.total_seconds(),
                "wait_all_ranks": bound.get("wait_all_ranks", False),
            }
        )
        return real_monitored(*args, **kwargs)

    dist.monitored_barrier = c10d.monitored_barrier = monitored_barrier
    fns = {name: ref.resolve() for name, ref in impls.items()}
    report: dict[str, Any] = {}
    train = fns["train_resumable"]
    resumed_init, fresh_init, init_method = inits_for
    report["resumed"] = _train(train, rank, world_size, resumed_init, crashed, None, saves, inits)
    report["uninterrupted"] = _train(train, rank, world_size, fresh_init, fresh, None, saves, inits)

    dist.init_process_group(
        "gloo", init_method=init_method, rank=rank, world_size=world_size,
        timeout=datetime.timedelta(seconds=30),
    )  # fmt: skip
    # task 2: rank 1 is slow at every step; the test's own oracle judges the gathered times
    calls = [0]

    def step_fn() -> None:
        calls[0] += 1
        if rank == 1:
            time.sleep(SLOW_S)

    gather: dict[str, Any] = {"error": None, "not_started": None}
    try:
        gather["result"] = fns["gather_step_times"](step_fn, TIMED_STEPS)
    except NotImplementedError as err:
        gather["not_started"] = (traceback.format_exc(), not_started_site(err))
    except Exception as err:
        gather["error"] = f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
    gather["calls"] = calls[0]
    report["gather"] = gather

    # task 3: first every rank present, then rank 1 hung until rank 0 reports it
    report["hung"] = {}
    for scenario in ("all present", "rank 1 hung"):
        outcome: dict[str, Any] = {"error": None, "not_started": None, "result": None}
        barrier_calls.clear()
        start = time.monotonic()
        if scenario == "rank 1 hung" and rank == 1:
            while not Path(release).exists() and time.monotonic() - start < HUNG_WAIT_S:
                time.sleep(0.05)
            outcome["released"] = Path(release).exists()
        else:
            try:
                outcome["result"] = fns["hung_ranks"](BARRIER_TIMEOUT_S)
            except NotImplementedError as err:
                outcome["not_started"] = (traceback.format_exc(), not_started_site(err))
            except Exception as err:
                outcome["error"] = f"{type(err).__name__}: {err}"
            if scenario == "rank 1 hung":
                Path(release).write_text("reported")  # rank 1 may leave now
        outcome["elapsed_s"] = time.monotonic() - start
        outcome["barrier_calls"] = list(barrier_calls)
        report["hung"][scenario] = outcome
        if outcome["not_started"] or outcome["error"]:
            break  # the group may be unusable; the later scenario is not run
    return report  # no teardown: after a failed monitored_barrier the group is broken


# ----------------------------------------------------------------------------- in the test


def rank_ref(name: str) -> ImplRef:
    """kata.ref(name), without the mistake overlay when the mistake does not define name.

    A mistake of task 1 then reuses the solution's spawned runs instead of spawning its
    own: the functions the ranks run are the solution's very objects.
    """
    ref = kata.ref(name)
    if ref.overlay is not None and name not in vars(load_path(ref.overlay)):
        return ImplRef(ref.path, None, name)
    return ref


def crash_run(tmp_path: Path, impl: ImplRef) -> dict[str, Any]:
    """The first run, rank 1 killed at step KILL_AT (cached per train_resumable)."""
    if impl not in _crashes:
        crashed = tmp_path / "crashed.pt"
        result: dict[str, Any] = {"checkpoint": str(crashed)}
        try:
            run_ranks(
                ImplRef(Path(__file__), None, "_crash_in_rank"),
                2,
                (impl, file_init_method(tmp_path), str(crashed)),
                tmp_path=tmp_path,
                timeout=120,
                label=f"train_resumable(rank, 2, ...) with rank 1 killed at step {KILL_AT}",
            )
            result["crash"] = "no rank failed"
        except RanksFailed as err:
            result["crash"] = err.outcomes
        except NotImplementedError as err:
            result["crash"] = err
        logs = {r: Path(f"{crashed}.rank{r}.saves") for r in range(2)}
        result["crash_saves"] = {
            r: log.read_text().split() if log.exists() else [] for r, log in logs.items()
        }
        result["checkpoint_after_crash"] = (
            torch.load(crashed, weights_only=True) if crashed.exists() else None
        )
        _crashes[impl] = result
    return _crashes[impl]


def run_all(tmp_path: Path) -> dict[str, Any]:
    """The crash run, then the main run, for the implementation under test (cached)."""
    __tracebackhide__ = True
    impls = {
        name: rank_ref(name) for name in ("train_resumable", "gather_step_times", "hung_ranks")
    }
    key = tuple(impls.values())
    if key not in _reports:
        crash = crash_run(tmp_path, impls["train_resumable"])
        main_dir = tmp_path / f"main-{len(_reports)}"
        main_dir.mkdir()
        # resume from a copy: the crash's checkpoint serves every main run that shares it
        resumed = main_dir / "resumed.pt"
        if Path(crash["checkpoint"]).exists():
            resumed.write_bytes(Path(crash["checkpoint"]).read_bytes())
        result = dict(crash)
        try:
            result["main"] = run_ranks(
                ImplRef(Path(__file__), None, "_main_in_rank"),
                2,
                (impls, str(resumed), str(main_dir / "fresh.pt"),
                 tuple(file_init_method(main_dir) for _ in range(3)), str(main_dir / "release")),
                tmp_path=tmp_path,
                timeout=150,
                label="the resumed and uninterrupted runs, gather_step_times and hung_ranks",
            )  # fmt: skip
        except RanksFailed as err:
            result["main"] = err
        _reports[key] = result
    result = _reports[key]
    if isinstance(result["main"], BaseException):
        raise result["main"].with_traceback(None)
    return result


def raise_not_started(info: Any, what: str) -> None:
    """Re-raise, in the test, the stub's NotImplementedError caught in a rank."""
    __tracebackhide__ = True
    text, site = info
    if site is not None:
        raise NotStarted(f"{what}: not started yet.\n{text}", *site)
    raise NotImplementedError(f"{what}: not started yet.\n{text}")


def check_outcome(outcome: dict[str, Any], what: str) -> None:
    __tracebackhide__ = True
    if outcome["not_started"]:
        raise_not_started(outcome["not_started"], what)
    if outcome["error"]:
        raise AssertionError(f"{what} raised {outcome['error']}")


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.distributed
@pytest.mark.slow  # shares two spawns of 2 ranks (5-25 s each here); the first test pays them
@pytest.mark.timeout(400)
def test_gather_step_times_returns_every_ranks_row(tmp_path):
    ranks = run_all(tmp_path)["main"]
    rows = []
    for rank, report in enumerate(ranks):
        gather = report["gather"]
        what = f"rank {rank}: gather_step_times(step_fn, {TIMED_STEPS})"
        check_outcome(gather, what)
        if gather["calls"] != TIMED_STEPS:
            raise AssertionError(
                f"{what} called step_fn {gather['calls']} times, expected {TIMED_STEPS}. Likely "
                f"mistake: a warm-up call outside the loop, or a loop of another length."
            )
        got = gather["result"]
        if not isinstance(got, torch.Tensor) or got.shape != (2, TIMED_STEPS):
            shown = tuple(got.shape) if isinstance(got, torch.Tensor) else type(got).__name__
            raise AssertionError(
                f"{what} returned {shown}, expected a (2, {TIMED_STEPS}) tensor: one row per "
                f"rank. Likely mistake: this rank's own times only, never all_gathered."
            )
        if got.dtype != torch.float64 or got.device.type != "cpu":
            raise AssertionError(
                f"{what} returned {got.dtype} on {got.device}, expected float64 on the CPU. "
                f"Likely mistake: torch.tensor(times) without dtype=torch.float64 (float32), "
                f"or the gathered tensor left on the device."
            )
        rows.append(got)
    if not torch.equal(rows[0], rows[1]):
        raise AssertionError(
            f"gather_step_times returned different tensors on the two ranks:\n{rows[0]}\n"
            f"{rows[1]}\nLikely mistake: rows placed by something other than dist.all_gather."
        )
    # a lower bound, not a timing assert: time.sleep(SLOW_S) never returns early
    if not bool((rows[0][1] >= SLOW_S).all()):
        raise AssertionError(
            f"gather_step_times: row 1 is {rows[0][1].tolist()}, but rank 1's step_fn sleeps "
            f"{SLOW_S} s every step, so each of its times is at least that. Likely mistake: "
            f"the rows out of rank order, or the clock stopped before step_fn() returned."
        )


@pytest.mark.task(2)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_a_rank_that_sleeps_every_step_is_flagged(tmp_path):
    ranks = run_all(tmp_path)["main"]
    gather = ranks[0]["gather"]
    check_outcome(gather, f"rank 0: gather_step_times(step_fn, {TIMED_STEPS})")
    times = gather["result"]
    if not isinstance(times, torch.Tensor) or times.shape != (2, TIMED_STEPS):
        pytest.fail("gather_step_times returned no (2, steps) tensor: see the test above")
    # the rule of task 1, from the test's own loop; rank 0's steps do nothing, rank 1's sleep
    # 0.2 s: rank 0 would need a median step over 0.13 s for this to miss
    flagged = loop_stragglers(times.tolist(), 1.5, WARMUP)
    if flagged != [1]:
        medians = [round(m, 3) for m in _medians(times, WARMUP)]
        raise AssertionError(
            f"gather_step_times(step_fn, {TIMED_STEPS}) on 2 ranks, rank 1 sleeping {SLOW_S} s "
            f"per step: the gathered times {times.tolist()} (medians {medians}) flag "
            f"{flagged}, expected [1]. Likely mistake: a collective (barrier, all_reduce) "
            f"inside the timed region: rank 0 then waits for rank 1 every step and looks as "
            f"slow. Time step_fn() alone."
        )


@pytest.mark.task(2)
@pytest.mark.cuda
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(200)
def test_gather_step_times_on_nccl(tmp_path, device):
    world_size = min(torch.cuda.device_count(), 2)
    result = run_ranks(
        ImplRef(Path(__file__), None, "_nccl_gather_in_rank"),
        world_size,
        (kata.ref("gather_step_times"), file_init_method(tmp_path)),
        tmp_path=tmp_path,
        timeout=120,
        label="gather_step_times on nccl",
    )
    for rank, got in enumerate(result):
        what = f"rank {rank}: gather_step_times(step_fn, 3) on {world_size} nccl rank(s)"
        if not isinstance(got, torch.Tensor) or got.shape != (world_size, 3):
            raise AssertionError(f"{what} returned {got!r}, expected ({world_size}, 3).")
        if got.dtype != torch.float64 or got.device.type != "cpu":
            raise AssertionError(f"{what} returned {got.dtype} on {got.device}.")
        assert_tensor_close(got, result[0], what=f"{what} against rank 0's")


def _nccl_gather_in_rank(rank: int, world_size: int, impl: ImplRef, init_method: str):
    import torch.distributed as dist

    torch.cuda.set_device(rank)
    dist.init_process_group(
        "nccl", init_method=init_method, rank=rank, world_size=world_size,
        timeout=datetime.timedelta(seconds=60),
    )  # fmt: skip
    result = impl.resolve()(lambda: None, 3)
    dist.barrier()
    dist.destroy_process_group()
    return result


# ----------------------------------------------------------------------------- task 3


def hung_report(tmp_path, scenario: str) -> list[dict[str, Any]]:
    __tracebackhide__ = True
    ranks = run_all(tmp_path)["main"]
    outcomes = []
    for rank, report in enumerate(ranks):
        if scenario not in report["hung"]:
            earlier = report["hung"]["all present"]
            check_outcome(earlier, f"rank {rank}: hung_ranks({BARRIER_TIMEOUT_S}), all present")
        outcomes.append(report["hung"][scenario])
    return outcomes


def check_barrier_calls(outcome: dict[str, Any], what: str) -> None:
    __tracebackhide__ = True
    calls = outcome["barrier_calls"]
    if not calls:
        raise AssertionError(
            f"{what} never called dist.monitored_barrier: a plain dist.barrier() waits for "
            f"the process group's whole timeout and names no rank. Use "
            f"dist.monitored_barrier(timeout=..., wait_all_ranks=True)."
        )
    call = calls[-1]
    if call["timeout_s"] is None or abs(call["timeout_s"] - BARRIER_TIMEOUT_S) > 1e-6:
        raise AssertionError(
            f"{what} called monitored_barrier with timeout={call['timeout_s']} s, expected "
            f"timedelta(seconds={BARRIER_TIMEOUT_S}): the caller's timeout_s."
        )
    if not call["wait_all_ranks"]:
        raise AssertionError(
            f"{what} called monitored_barrier without wait_all_ranks=True: rank 0 then "
            f"reports only the first missing rank, not every one."
        )


@pytest.mark.task(3)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_hung_ranks_is_empty_when_every_rank_arrives(tmp_path):
    for rank, outcome in enumerate(hung_report(tmp_path, "all present")):
        what = f"rank {rank}: hung_ranks({BARRIER_TIMEOUT_S}) with both ranks present"
        check_outcome(outcome, what)
        check_barrier_calls(outcome, what)
        if outcome["result"] != []:
            raise AssertionError(
                f"{what} returned {outcome['result']!r}, expected []: monitored_barrier raised "
                f"nothing, so no rank is missing. Likely mistake: ranks reported from "
                f"something other than monitored_barrier's error."
            )


@pytest.mark.task(3)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_rank_0_names_the_hung_rank_within_the_timeout(tmp_path):
    rank0, rank1 = hung_report(tmp_path, "rank 1 hung")
    what = f"rank 0: hung_ranks({BARRIER_TIMEOUT_S}) while rank 1 hangs"
    if rank0["error"] and not rank0["barrier_calls"]:
        check_barrier_calls(rank0, what)  # a plain barrier: it failed only when rank 1 left
    check_outcome(rank0, what)
    check_barrier_calls(rank0, what)
    if rank0["result"] != [1]:
        raise AssertionError(
            f"{what} returned {rank0['result']!r}, expected [1]: the ranks named in "
            f"monitored_barrier's RuntimeError ('Ranks 1 failed to pass monitoredBarrier in "
            f"{BARRIER_TIMEOUT_S * 1000:.0f} ms'), as ints, in increasing order."
        )
    if not rank1["released"]:
        raise AssertionError(
            f"{what} returned [1] only after {rank0['elapsed_s']:.1f} s, once rank 1 had "
            f"given up waiting ({HUNG_WAIT_S} s): the report must come within the timeout."
        )


# ----------------------------------------------------------------------------- task 4


def reference_weights() -> dict[str, torch.Tensor]:
    """One process on the union of both ranks' batches at every step, SGD with momentum
    written out (buf = g at the first step, then 0.9 * buf + g; p -= lr * buf), as torch's:
    the parent never imports the optimizers' machinery (seconds, on a loaded machine)."""
    model = make_model()
    buffers: dict[str, torch.Tensor] = {}
    for step in range(STEPS):
        batches = [make_batch(step, r) for r in range(2)]
        x = torch.cat([b[0] for b in batches])
        y = torch.cat([b[1] for b in batches])
        model.zero_grad()
        F.mse_loss(model(x), y).backward()
        with torch.no_grad():
            for name, p in model.named_parameters():
                g = p.grad
                buffers[name] = g.clone() if step == 0 else buffers[name].mul_(0.9).add_(g)
                p.sub_(LR * buffers[name])
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def describe(label: str) -> str:
    return (
        f"train_resumable(rank, 2, init, model_fn, data_fn, checkpoint, steps={STEPS}, "
        f"every={EVERY}) {label}"
    )


@pytest.mark.task(4)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_crashed_run_leaves_rank_0s_checkpoint_of_the_last_saved_step(tmp_path):
    result = run_all(tmp_path)
    what = describe(f"with rank 1 killed at step {KILL_AT}")
    crash = result["crash"]
    if isinstance(crash, NotImplementedError):
        raise crash
    if not isinstance(crash, list):
        raise AssertionError(
            f"{what}: {crash}, but rank 1 was killed: did train_resumable call "
            f"data_fn(step, rank) for every step?"
        )
    codes = {o.rank: o.exitcode for o in crash}
    if codes[1] != KILL_CODE:
        detail = "\n".join(o.describe() for o in crash)
        raise AssertionError(
            f"{what}: rank 1 ended with exit code {codes[1]}, expected {KILL_CODE} from the "
            f"planned os._exit at data_fn({KILL_AT}, 1): it failed earlier.\n{detail}"
        )
    saved_by = sorted(r for r, targets in result["crash_saves"].items() if any(targets))
    if saved_by != [0]:
        raise AssertionError(
            f"{what}: torch.save was called by ranks {saved_by}, expected rank 0 only"
            + (
                ". Likely mistake: no checkpoint saved before the crash (a save only at the "
                f"end, or a test of `every` that never holds for steps 0..{KILL_AT - 1})."
                if not saved_by
                else ". Likely mistake: the rank test inverted (rank != 0)."
                if 0 not in saved_by
                else ": the ranks hold the same weights, and two writers race on one file."
            )
        )
    state = result["checkpoint_after_crash"]
    if not isinstance(state, dict) or sorted(state) != ["model", "optimizer", "step"]:
        shown = sorted(state) if isinstance(state, dict) else state
        raise AssertionError(
            f"{what}: the checkpoint holds {shown}, expected the keys ['model', "
            f"'optimizer', 'step']. Likely mistake: "
            + (
                "the optimizer state is missing (SGD's momentum buffers)."
                if isinstance(state, dict) and "model" in state and "optimizer" not in state
                else "the weights saved alone (the model's state dict), so the optimizer "
                "state is missing too."
                if isinstance(state, dict) and any("." in str(k) for k in state)
                else "keys named otherwise, or the optimizer state is missing (SGD's momentum "
                "buffers)."
            )
        )
    if state["step"] != LAST_CHECKPOINT:
        raise AssertionError(
            f"{what}: the checkpoint's step is {state['step']!r}, expected "
            f"{LAST_CHECKPOINT}: the number of steps done when it was saved (step + 1 "
            f"after finishing step {LAST_CHECKPOINT - 1}, a multiple of every={EVERY})."
            + (
                " Likely mistake: the index of the last finished step saved, not the number "
                "of steps done."
                if state["step"] == LAST_CHECKPOINT - 1
                else ""
            )
        )
    momentum = [s for s in state["optimizer"].get("state", {}).values() if "momentum_buffer" in s]
    if not momentum:
        raise AssertionError(
            f"{what}: the checkpoint's optimizer state has no momentum buffers: save "
            f"optimizer.state_dict() after the step."
        )


@pytest.mark.task(4)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_uninterrupted_run_equals_one_process_on_the_union(tmp_path):
    ranks = run_all(tmp_path)["main"]
    expected = reference_weights()
    for rank, report in enumerate(ranks):
        outcome = report["uninterrupted"]
        what = f"rank {rank}: " + describe("without a crash")
        check_outcome(outcome, what)
        timeouts = outcome["inits"]
        if not timeouts or timeouts[0] is None or timeouts[0] > MAX_TIMEOUT_S:
            raise AssertionError(
                f"{what} called init_process_group with timeout={timeouts}: pass a short "
                f"timeout (at most {MAX_TIMEOUT_S} s): with gloo's default timeout of 30 "
                f"minutes, the survivor of a crash waits half an hour."
            )
        for name, want in expected.items():
            assert_tensor_close(
                outcome["state"][name],
                want,
                what=f"{what}: {name!r} against one process on the union of the batches",
                mistake="not DDP with SGD(lr, momentum=0.9) on F.mse_loss, one step per "
                "data_fn(step, rank).",
                **TIGHT,
            )


@pytest.mark.task(4)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(400)
def test_resumed_run_equals_the_uninterrupted_run_exactly(tmp_path):
    result = run_all(tmp_path)
    for rank, report in enumerate(result["main"]):
        resumed, uninterrupted = report["resumed"], report["uninterrupted"]
        what = f"rank {rank}: " + describe("called again after the crash")
        check_outcome(resumed, what)
        check_outcome(uninterrupted, f"rank {rank}: " + describe("without a crash"))
        want = list(range(LAST_CHECKPOINT, STEPS))
        if resumed["requested"] != want:
            first = resumed["requested"][:1]
            raise AssertionError(
                f"{what} asked data_fn for steps {resumed['requested']}, expected {want}: "
                f"resume at the checkpoint's step ({LAST_CHECKPOINT}). Likely mistake: "
                + (
                    "the checkpoint ignored, or its step not used: the loop restarted at 0 "
                    "and redid the saved work."
                    if first == [0]
                    else "an off-by-one between the saved step and the first step run."
                )
            )
        for name, want_t in uninterrupted["state"].items():
            got = resumed["state"][name]
            if not torch.equal(got, want_t):
                assert_tensor_close(
                    got,
                    want_t,
                    what=f"{what}: {name!r} against the uninterrupted run, bit for bit",
                    mistake="the optimizer state (momentum buffers) not restored on every "
                    "rank, or the checkpoint loaded on rank 0 only.",
                    rtol=0,
                    atol=0,
                )
