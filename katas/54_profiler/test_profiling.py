"""Tests for kata 54: torch.profiler tables, a planted bottleneck, labels and schedules.

Timing is never asserted. Tasks 1 and 2 read a profile the TEST records, and are compared
exactly with sums the test makes itself from prof.events(), so every number is checked
whatever the machine's load. Task 3 finds a planted bottleneck: one operator that runs
for milliseconds among operators that run for microseconds; the test times its own work
with a wall clock and retries a trial in which the machine stalled a small operator long
enough to blur the difference (see `_dominates`). Tasks 4 and 5 are checked by structure:
which labels exist, which events lie inside which region, which calls were recorded.
"""

from __future__ import annotations

import copy
import itertools
import time
from collections import defaultdict

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.profiler import ProfilerActivity, profile, record_function

from torchkatas.harness import assert_raises, assert_tensor_close, describe, load_kata

kata = load_kata(__file__)

REL = 1e-9  # the learner's sums and the test's add the same floats: equal up to rounding


# ----------------------------------------------------------------------------- helpers


def record(fn) -> profile:
    """A finished CPU profile of fn(), recorded by the test."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    return prof


def event_sums(prof: profile, *, labels: bool) -> dict[str, dict[str, float]]:
    """Per name, from the raw events: calls, self and total CPU microseconds.

    labels=True: the user annotations (record_function labels); False: everything else.
    Written from prof.events(), not key_averages(), so it is an independent oracle.
    """
    sums: dict[str, dict[str, float]] = defaultdict(lambda: {"calls": 0, "self": 0.0, "total": 0.0})
    for event in prof.events():
        if bool(event.is_user_annotation) != labels:
            continue
        name = "ProfilerStep*" if event.name.startswith("ProfilerStep#") else event.name
        row = sums[name]
        row["calls"] += 1
        row["self"] += event.self_cpu_time_total
        row["total"] += event.cpu_time_total
    return dict(sums)


def close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b)) + 1e-9


QUANTITIES = {
    "the TOTAL CPU time (cpu_time_total, the operators it called included)": (
        lambda sums: sums["total"]
    ),
    "the average total time per call (FunctionEventAvg.cpu_time, not a sum)": (
        lambda sums: sums["total"] / sums["calls"]
    ),
    "the average self time per call (divided by the number of calls)": (
        lambda sums: sums["self"] / sums["calls"]
    ),
    "the SELF CPU time (self_cpu_time_total, without the operators inside)": (
        lambda sums: sums["self"]
    ),
}


def which_time(got: dict[str, float], sums: dict[str, dict[str, float]]) -> str:
    """Name the quantity that a table's times equal in every row, for a message."""
    for name, quantity in QUANTITIES.items():
        if all(close(value, quantity(sums[key])) for key, value in got.items()):
            return name
    return "none of self_cpu_time_total, cpu_time_total or their per-call averages"


def check_rows(rows, what: str) -> list[tuple[str, int, float]]:
    __tracebackhide__ = True
    if not isinstance(rows, list):
        raise AssertionError(f"{what} returned {describe(rows)}; expected a list of rows.")
    for row in rows:
        if not (
            isinstance(row, tuple)
            and len(row) == 3
            and isinstance(row[0], str)
            and isinstance(row[1], int)
            and isinstance(row[2], int | float)
        ):
            raise AssertionError(
                f"{what}: a row is {describe(row)}; expected a tuple (name: str, calls: int, "
                f"self_cpu_us: float), e.g. ('aten::mm', 1, 5120.3), from an entry of "
                f"prof.key_averages(): (avg.key, avg.count, avg.self_cpu_time_total)."
            )
    return rows


def workload(seed: int, device) -> tuple[profile, str]:
    """A profile with nested and repeated labels, one op at two input shapes, a wrapper op
    (aten::matmul around aten::mm), a backward pass and an optimizer step (torch's own
    labels). Returns the profile and a description for messages."""
    gen = torch.Generator().manual_seed(seed)
    n_small = int(torch.randint(2, 5, (), generator=gen))
    n_repeat = int(torch.randint(2, 4, (), generator=gen))
    a = torch.randn(40, 40, generator=gen).to(device)
    small = torch.randn(5, generator=gen).to(device)
    wide = torch.randn(3, 7, generator=gen).to(device)
    model = nn.Linear(6, 3).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    x = torch.randn(4, 6, generator=gen).to(device)
    y = torch.randn(4, 3, generator=gen).to(device)

    def run() -> None:
        with record_function("prepare"):
            for _ in range(n_small):
                torch.mul(small, small)
            torch.mul(wide, wide)  # the same operator at another input shape
            with record_function("inner"):
                torch.matmul(a, a)
        for _ in range(n_repeat):
            with record_function("repeat"):
                small.sin()
        optimizer.zero_grad()
        F.mse_loss(model(x), y).backward()
        optimizer.step()

    what = (
        f"the test's profile on {device} (labels 'prepare' holding 'inner', 'repeat' x"
        f"{n_repeat}; aten::mul at two shapes; a matmul; a Linear's forward and backward; "
        f"an SGD step)"
    )
    return record(run), what


# ----------------------------------------------------------------------------- task 1


def check_op_table(prof: profile, what: str) -> None:
    __tracebackhide__ = True
    ops = event_sums(prof, labels=False)
    regions = event_sums(prof, labels=True)
    rows = check_rows(kata.op_table(prof), f"op_table(prof) for {what}")
    call = f"op_table(prof) for {what}"
    names = [row[0] for row in rows]
    as_labels = sorted(set(names) & set(regions))
    if as_labels:
        raise AssertionError(
            f"{call} has rows for {as_labels}: record_function labels are not operators. "
            f"Likely mistake: keeping the entries whose avg.is_user_annotation is True."
        )
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise AssertionError(
            f"{call} has several rows for {repeated}: one row per operator name is "
            f"expected. Likely mistake: prof.key_averages(group_by_input_shape=True), which "
            f"splits an operator by the shapes of its inputs."
        )
    missing = sorted(set(ops) - set(names))
    if missing:
        hint = (
            "keeping only names that start with 'aten::'; every entry that is not a user "
            "annotation is an operator (filter on avg.is_user_annotation)"
            if all(not n.startswith("aten::") for n in missing)
            else "rows dropped or a filter that is too strict"
        )
        raise AssertionError(
            f"{call} lacks the operators {missing[:6]}{' ...' if len(missing) > 6 else ''}. "
            f"Likely mistake: {hint}."
        )
    unknown = sorted(set(names) - set(ops))
    if unknown:
        raise AssertionError(f"{call} has rows for {unknown}, which are not in the profile.")
    for name, calls, self_us in rows:
        expected = ops[name]
        if calls != expected["calls"]:
            raise AssertionError(
                f"{call}: {name} has calls={calls}; it ran {int(expected['calls'])} times. "
                f"Likely mistake: a column other than avg.count in the calls slot."
            )
        if not close(self_us, expected["self"]):
            reported = which_time({row[0]: row[2] for row in rows}, ops)
            raise AssertionError(
                f"{call}: {name} has self_cpu_us={self_us:.6g}; its self CPU time summed "
                f"over its calls is {expected['self']:.6g} us. What your table reports in "
                f"every row is {reported}. Likely mistake: the wrong attribute of "
                f"FunctionEventAvg; the table wants avg.self_cpu_time_total."
            )
    times = [row[2] for row in rows]
    if any(later > earlier for earlier, later in itertools.pairwise(times)):
        ascending = all(later >= earlier for earlier, later in itertools.pairwise(times))
        raise AssertionError(
            f"{call}: the rows are not sorted by self CPU time, largest first (first rows: "
            f"{', '.join(f'{n} {t:.1f} us' for n, _, t in rows[:3])}). Likely mistake: "
            + (
                "sorted ascending (reverse=True is missing)."
                if ascending
                else "sorted by another column (total time, calls) or not sorted."
            )
        )


@pytest.mark.task(1)
def test_op_table_matches_the_events_of_the_profile(device):
    for seed in range(3):
        prof, what = workload(seed, device)
        check_op_table(prof, what)


@pytest.mark.task(1)
def test_op_table_of_a_profile_without_labels(device):
    gen = torch.Generator().manual_seed(5)
    a = torch.randn(30, 30, generator=gen).to(device)
    prof = record(lambda: (a @ a).relu().sum())
    check_op_table(prof, f"a profile of (a @ a).relu().sum() for a of shape (30, 30) on {device}")


@pytest.mark.task(1)
def test_op_table_does_not_change_the_profile(device):
    prof, what = workload(7, device)
    before = [(e.key, e.count, e.self_cpu_time_total) for e in prof.key_averages()]
    first = kata.op_table(prof)
    second = kata.op_table(prof)
    after = [(e.key, e.count, e.self_cpu_time_total) for e in prof.key_averages()]
    if before != after or first != second:
        raise AssertionError(
            f"op_table(prof) for {what}: calling it changed the profile (a second call, or "
            f"prof.key_averages() afterwards, gives other rows). It must only read prof."
        )


# ----------------------------------------------------------------------------- task 2


def check_region_table(prof: profile, what: str) -> None:
    __tracebackhide__ = True
    call = f"region_table(prof) for {what}"
    ops = event_sums(prof, labels=False)
    regions = event_sums(prof, labels=True)
    table = kata.region_table(prof)
    if not isinstance(table, dict):
        raise AssertionError(
            f"{call} returned {describe(table)}; expected a dict label -> (calls, total_cpu_us)."
        )
    as_ops = sorted(set(table) & set(ops))
    if as_ops:
        raise AssertionError(
            f"{call} has entries for {as_ops[:5]}: operators are not labelled regions. "
            f"Likely mistake: keeping entries whose avg.is_user_annotation is False."
        )
    missing = sorted(set(regions) - set(table))
    if missing:
        raise AssertionError(
            f"{call} lacks the labels {missing}: every user annotation counts, torch's own "
            f"(the optimizer's 'Optimizer.step#SGD.step') included."
        )
    unknown = sorted(set(table) - set(regions))
    if unknown:
        raise AssertionError(f"{call} has entries for {unknown}, which are not labels here.")
    for label, entry in table.items():
        if not (isinstance(entry, tuple) and len(entry) == 2):
            raise AssertionError(
                f"{call}[{label!r}] is {describe(entry)}; expected (calls, total_cpu_us)."
            )
    for label, (calls, total_us) in table.items():
        expected = regions[label]
        if calls != expected["calls"]:
            raise AssertionError(
                f"{call}[{label!r}] has calls={calls}; the region ran "
                f"{int(expected['calls'])} times. Likely mistake: a column other than "
                f"avg.count in the calls slot."
            )
        if not close(total_us, expected["total"]):
            reported = which_time({key: value[1] for key, value in table.items()}, regions)
            raise AssertionError(
                f"{call}[{label!r}] has total_cpu_us={total_us:.6g}; the region's total CPU "
                f"time over its calls is {expected['total']:.6g} us. What your table reports "
                f"for every label is {reported}. Likely mistake: "
                + (
                    "a region's self CPU time leaves out the operators inside it; its cost "
                    "is avg.cpu_time_total."
                    if reported.startswith("the SELF CPU time")
                    else "the wrong attribute of FunctionEventAvg; a region's cost is "
                    "avg.cpu_time_total, summed over its calls."
                )
            )


@pytest.mark.task(2)
def test_region_table_matches_the_labels_of_the_profile(device):
    for seed in range(3):
        prof, what = workload(10 + seed, device)
        check_region_table(prof, what)


@pytest.mark.task(2)
def test_region_table_is_empty_without_labels(device):
    a = torch.ones(8, device=device)
    prof = record(lambda: a.sin().cos())
    table = kata.region_table(prof)
    if table != {}:
        raise AssertionError(
            f"region_table(prof) for a profile of a.sin().cos() with no record_function "
            f"label returned {describe(table)}; expected {{}}: operators are not regions."
        )


# ----------------------------------------------------------------------------- task 3
# The planted bottleneck runs for milliseconds (a 700 x 700 matmul, a top-k of 2 million,
# a cumulative sum of 4 million) among about twenty operators on 8 elements that take
# microseconds each: about a thousand times apart. A loaded machine can still stall one
# small operator for several milliseconds; the profiler would then see it as expensive. So
# the test times its own regions with a wall clock (which includes every stall), and a
# trial whose planted region did not take over 3 times as long as all the small work
# together does not count: it is run again (at most 5 times). When the planted region
# dominates like that, its operator's self time must be the largest one.

HEAVY = {
    "aten::mm": (lambda gen: torch.randn(700, 700, generator=gen), lambda t: torch.matmul(t, t)),
    "aten::topk": (lambda gen: torch.rand(2_000_000, generator=gen), lambda t: torch.topk(t, 64)),
    "aten::cumsum": (lambda gen: torch.rand(4_000_000, generator=gen), lambda t: t.cumsum(0)),
}
LABELS = ["load", "augment", "model", "loss", "metrics"]
ATTEMPTS = 5


class Pipeline:
    """fn(x, big): labelled regions of small work and one region with the heavy operator.

    The region `repeated` runs three times (it is never the heavy one); the small work is
    mostly aten::add, so the most often called operator is never the expensive one.
    Wall-clock seconds per region are kept for each call, to tell a stalled trial.
    """

    def __init__(self, heavy_op: str, heavy_label: str | None, repeated: str) -> None:
        self.heavy_op, self.heavy_label, self.repeated = heavy_op, heavy_label, repeated
        self.calls: list[dict[str, float]] = []

    def __call__(self, x: torch.Tensor, big: torch.Tensor) -> torch.Tensor:
        seconds: dict[str, float] = defaultdict(float)
        self.calls.append(seconds)
        heavy = HEAVY[self.heavy_op][1]
        for label in LABELS + [self.repeated] * 2:
            start = time.perf_counter()
            if self.heavy_label is None:  # no labels at all
                self._small(x) if label != LABELS[0] else heavy(big)
            else:
                with record_function(label):
                    heavy(big) if label == self.heavy_label else self._small(x)
            seconds["heavy" if label == (self.heavy_label or LABELS[0]) else "small"] += (
                time.perf_counter() - start
            )
        return x

    @staticmethod
    def _small(x: torch.Tensor) -> None:
        torch.add(x, x)
        torch.mul(x, x)
        torch.add(x, x)

    def dominates(self) -> bool:
        """Whether the last call's heavy region took over 3x all the small work together."""
        last = self.calls[-1]
        return last["heavy"] > 3 * last["small"] + 1e-3


def bottleneck_trials(seed: int, labelled: bool = True):
    gen = torch.Generator().manual_seed(seed)
    for trial, heavy_op in enumerate(HEAVY):
        order = torch.randperm(len(LABELS), generator=gen).tolist()
        heavy_label = LABELS[order[0]] if labelled else None
        big = HEAVY[heavy_op][0](gen)
        yield trial, heavy_op, heavy_label, LABELS[order[1]], big


def call_find_bottleneck(pipeline: Pipeline, big: torch.Tensor, what: str):
    __tracebackhide__ = True
    x = torch.ones(8)
    result = kata.find_bottleneck(pipeline, x, big)
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(f"{what} returned {describe(result)}; expected (op, region).")
    if len(pipeline.calls) != 1:
        raise AssertionError(
            f"{what} called fn {len(pipeline.calls)} times; expected exactly once, inside "
            f"the profiler (its work may have side effects, and it may be slow)."
        )
    return result


def op_mistake(got, heavy_op: str) -> str:
    if got == "aten::matmul":
        return (
            "ranking by total CPU time: aten::matmul only wraps aten::mm, so its total "
            "includes the work; rank operators by self CPU time."
        )
    if got == "aten::add":
        return "ranking by calls (count): the most often called operator is not the costly one."
    if got in LABELS:
        return "a record_function label is not an operator: leave user annotations out."
    return "not the first row of a table sorted by self CPU time, largest first."


# The planted work runs on the CPU on purpose, also under --device cuda: a CPU profile
# measures what the CPU does, and a CUDA operator's CPU time is only its launch.
@pytest.mark.task(3)
def test_find_bottleneck_names_the_planted_operator_and_region():
    for trial, heavy_op, heavy_label, repeated, big in bottleneck_trials(54):
        for _attempt in range(ATTEMPTS):
            pipeline = Pipeline(heavy_op, heavy_label, repeated)
            what = (
                f"find_bottleneck(fn, x (8,), big {tuple(big.shape)}) where fn runs the "
                f"labelled regions {LABELS} and {repeated!r} twice more, all small work "
                f"except {heavy_label!r}, which runs {heavy_op} on big (trial {trial})"
            )
            op, region = call_find_bottleneck(pipeline, big, what)
            if op == heavy_op and region == heavy_label:
                break
            if pipeline.dominates():
                if op != heavy_op:
                    raise AssertionError(
                        f"{what} returned op {op!r}; the planted bottleneck is {heavy_op}. "
                        f"Likely mistake: {op_mistake(op, heavy_op)}"
                    )
                raise AssertionError(
                    f"{what} returned region {region!r}; the planted region is "
                    f"{heavy_label!r}. Likely mistake: "
                    + (
                        f"ranking regions by calls ({region!r} ran three times)"
                        if region == repeated
                        else "ranking regions by self CPU time (which leaves out the "
                        "operators inside), or not taking the largest"
                    )
                    + "; a region costs its total CPU time."
                )
        else:
            raise AssertionError(
                f"{what}: the machine was too busy to tell the planted work from the small "
                f"work in {ATTEMPTS} attempts (the test measured it with a wall clock). "
                f"This is not your code; run the test again."
            )


@pytest.mark.task(3)
def test_find_bottleneck_without_labels_returns_none_for_the_region():
    for trial, heavy_op, _, repeated, big in bottleneck_trials(55, labelled=False):
        for _attempt in range(ATTEMPTS):
            pipeline = Pipeline(heavy_op, None, repeated)
            what = (
                f"find_bottleneck(fn, x (8,), big {tuple(big.shape)}) where fn runs small "
                f"work and {heavy_op} on big, with no record_function label (trial {trial})"
            )
            op, region = call_find_bottleneck(pipeline, big, what)
            if region is not None:
                raise AssertionError(
                    f"{what} returned region {region!r}; with no labelled region it should be "
                    f"None. Likely mistake: a region taken from the operator rows (or a default "
                    f"name) when region_table(prof) is empty."
                )
            if op == heavy_op:
                break
            if pipeline.dominates():
                raise AssertionError(
                    f"{what} returned op {op!r}; the planted bottleneck is {heavy_op}. "
                    f"Likely mistake: {op_mistake(op, heavy_op)}"
                )


# ----------------------------------------------------------------------------- task 4


def make_problem(seed: int, device):
    gen = torch.Generator().manual_seed(seed)
    model = nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.5)
    model.to(device)
    inputs = torch.randn(6, 5, generator=gen, dtype=torch.float64).to(device)
    targets = torch.randn(6, 2, generator=gen, dtype=torch.float64).to(device)
    return model, inputs, targets


def labelled_events(prof: profile, label: str, what: str):
    __tracebackhide__ = True
    found = [e for e in prof.events() if e.is_user_annotation and e.name == label]
    labels = sorted({e.name for e in prof.events() if e.is_user_annotation})
    if not found:
        raise AssertionError(
            f"{what}: no record_function label {label!r} in the profile (labels found: "
            f"{labels}). Likely mistake: the phase is not wrapped in "
            f"`with torch.profiler.record_function({label!r}):`."
        )
    if len(found) != 1:
        raise AssertionError(
            f"{what}: the label {label!r} appears {len(found)} times; expected once per step. "
            f"Likely mistake: the label opened more than once (nested in itself, or around "
            f"each parameter's update)."
        )
    return found[0]


def inside(event, region) -> bool:
    return (
        region.time_range.start <= event.time_range.start
        and event.time_range.end <= region.time_range.end
    )


def check_contains(prof, region, match, what: str, phase: str, mistake: str) -> None:
    __tracebackhide__ = True
    events = [e for e in prof.events() if match(e.name)]
    if not events:
        raise AssertionError(
            f"{what}: the profile has no events of {phase} at all. Likely mistake: {phase} "
            f"never ran in train_step."
        )
    outside = [e.name for e in events if not inside(e, region)]
    if outside:
        raise AssertionError(
            f"{what}: {outside[0]!r} ran outside the {region.name!r} region. Likely "
            f"mistake: {mistake}"
        )


@pytest.mark.task(4)
def test_train_step_labels_its_three_phases(device):
    model, inputs, targets = make_problem(0, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    what = "train_step(model, inputs (6, 5), targets (6, 2), mse_loss, SGD) under the profiler"
    prof = record(lambda: kata.train_step(model, inputs, targets, F.mse_loss, optimizer))
    regions = {label: labelled_events(prof, label, what) for label in ("forward", "backward")}
    regions["optimizer"] = labelled_events(prof, "optimizer", what)
    starts = [regions[label].time_range.start for label in ("forward", "backward", "optimizer")]
    if starts != sorted(starts):
        raise AssertionError(
            f"{what}: the regions start in the order "
            f"{sorted(regions, key=lambda label: regions[label].time_range.start)}; expected "
            f"forward, backward, optimizer. Likely mistake: a label around the wrong phase "
            f"(the labels' names swapped)."
        )
    check_contains(
        prof,
        regions["forward"],
        lambda name: name in ("aten::linear", "aten::mse_loss"),
        what,
        "the forward pass",
        "model(inputs) or loss_fn(outputs, targets) outside `with record_function('forward')`.",
    )
    check_contains(
        prof,
        regions["backward"],
        lambda name: name.startswith("autograd::engine::evaluate_function"),
        what,
        "the backward pass",
        "loss.backward() outside `with record_function('backward')` (a label that wraps "
        "nothing measures nothing).",
    )
    check_contains(
        prof,
        regions["optimizer"],
        lambda name: name.startswith("Optimizer.step#"),
        what,
        "optimizer.step()",
        "optimizer.step() outside `with record_function('optimizer')`.",
    )


@pytest.mark.task(4)
def test_train_step_takes_a_correct_step(device):
    gen = torch.Generator().manual_seed(3)
    model, inputs, targets = make_problem(1, device)
    reference = copy.deepcopy(model)
    ref_optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    ref_optimizer.zero_grad()
    ref_loss = F.mse_loss(reference(inputs), targets)
    ref_loss.backward()
    ref_optimizer.step()
    for p in model.parameters():  # left over from an earlier batch
        p.grad = torch.randn(p.shape, generator=gen, dtype=torch.float64).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    what = "train_step(model, inputs (6, 5), targets (6, 2), mse_loss, SGD(lr=0.1))"
    loss = kata.train_step(model, inputs, targets, F.mse_loss, optimizer)
    if type(loss) is not float:
        raise AssertionError(f"{what} returned {describe(loss)}; expected a Python float.")
    if abs(loss - ref_loss.item()) > 1e-12:
        raise AssertionError(
            f"{what} returned {loss!r}; this batch's loss before the update is "
            f"{ref_loss.item()!r}. Likely mistake: the loss of a second forward after the step, "
            f"or another loss than loss_fn(model(inputs), targets)."
        )
    for (name, p), q in zip(model.named_parameters(), reference.parameters(), strict=True):
        assert_tensor_close(
            p,
            q,
            what=f"{what}: parameter {name} after the step",
            mistake="old gradients left in .grad (optimizer.zero_grad() first), or a step "
            "that is not one SGD update on this batch's gradients.",
        )


# ----------------------------------------------------------------------------- task 5

# call i of a step function runs its own operator, so the profile shows which calls it holds
PER_CALL = [torch.sin, torch.cos, torch.tan, torch.exp, torch.log1p, torch.sqrt, torch.neg]
PER_CALL += [torch.tanh, torch.sigmoid, torch.reciprocal]
SCHEDULES = [(1, 1, 2), (0, 1, 1), (2, 2, 3), (0, 2, 2), (3, 1, 1)]


class Steps:
    """step_fn(): call i runs torch.mul (every call) and PER_CALL[i] on a small tensor."""

    def __init__(self, device) -> None:
        self.x = torch.rand(6, device=device) + 0.5
        self.calls = 0

    def __call__(self) -> None:
        i = self.calls
        self.calls += 1
        torch.mul(self.x, self.x)
        if i < len(PER_CALL):
            PER_CALL[i](self.x)


def recorded_calls(rows) -> list[int]:
    names = {row[0] for row in rows}
    return [i for i, op in enumerate(PER_CALL) if f"aten::{op.__name__}" in names]


def call_profile_steps(steps: Steps, wait: int, warmup: int, active: int, what: str):
    __tracebackhide__ = True
    try:
        rows = kata.profile_steps(steps, wait=wait, warmup=warmup, active=active)
    except AssertionError as err:
        if "Profiler must be initialized" not in str(err):
            raise
        raise AssertionError(
            f"{what}: torch says '{err}': nothing was recorded. With a schedule the "
            f"profiler moves from wait to warm-up to active only when told a step ended. "
            f"Likely mistake: prof.step() never called (call it after each step_fn())."
        ) from None
    return check_rows(rows, what)


@pytest.mark.task(5)
@pytest.mark.parametrize("wait, warmup, active", SCHEDULES)
def test_profile_steps_measures_only_the_active_calls(wait, warmup, active, device):
    steps = Steps(device)
    what = f"profile_steps(step_fn, wait={wait}, warmup={warmup}, active={active})"
    rows = call_profile_steps(steps, wait, warmup, active, what)
    n = wait + warmup + active
    if steps.calls != n:
        raise AssertionError(
            f"{what} called step_fn {steps.calls} times; expected wait + warmup + active = {n}. "
            f"Likely mistake: a loop of another length (only active, or a repeat of the "
            f"schedule), or a warm-up call outside the profiler."
        )
    got = recorded_calls(rows)
    expected = list(range(wait + warmup, n))
    if got != expected:
        if got == list(range(n)):
            why = (
                "profiling every call: the wait and warm-up calls are in the table. Pass "
                "schedule=torch.profiler.schedule(wait=..., warmup=..., active=...) to the "
                "profiler."
            )
        elif got == [0] and expected != [0]:
            why = (
                "profiling only the first (warm-up) step, which carries the profiler's "
                "start-up cost and says little about the steady state."
            )
        elif got == [i - 1 for i in expected]:
            why = (
                "one call early: prof.step() before step_fn() in the loop. Call it after "
                "each step, when the step has ended."
            )
        else:
            why = "a schedule with other numbers than those given, or calls not profiled."
        raise AssertionError(
            f"{what}: the table holds the work of calls {got} (counting from 0); the active "
            f"calls are {expected}. Likely mistake: {why}"
        )
    calls = {row[0]: row[1] for row in rows}
    if calls.get("aten::mul") != active:
        raise AssertionError(
            f"{what}: aten::mul, which every call runs once, has {calls.get('aten::mul')} "
            f"calls in the table; expected {active}, one per active call. Likely mistake: the "
            f"table built from another profile, or rows merged or counted twice."
        )


@pytest.mark.task(5)
def test_profile_steps_rejects_a_schedule_without_warmup_or_active_steps(device):
    for wait, warmup, active in ((1, 0, 2), (0, 1, 0), (-1, 1, 1), (0, 0, 0)):
        steps = Steps(device)
        what = f"profile_steps(step_fn, wait={wait}, warmup={warmup}, active={active})"
        assert_raises(
            ValueError,
            kata.profile_steps,
            steps,
            wait=wait,
            warmup=warmup,
            active=active,
            what=what,
            mistake="no check of the arguments: a schedule needs warmup >= 1 (torch only "
            "warns that results are skewed without it), active >= 1 and wait >= 0.",
        )
        if steps.calls:
            raise AssertionError(
                f"{what} raised ValueError only after calling step_fn {steps.calls} times; "
                f"check the arguments before running anything."
            )
