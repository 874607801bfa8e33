"""Tests for kata 56: CUDA memory statistics, peaks, and retrying after out-of-memory.

On the CPU everything runs against stand-ins: stats mappings shaped like
torch.cuda.memory_stats(), a fake torch.cuda whose "tensors" are alloc()/free() calls,
and a step that raises a real torch.cuda.OutOfMemoryError (a CPU-only build of torch can
construct one). The tests marked cuda do the same things on a real GPU: real allocations,
a real out-of-memory error, empty_cache and reset_peak_memory_stats.
"""

from __future__ import annotations

import gc
import sys
import weakref
from collections import OrderedDict

import pytest
import torch

from torchkatas.harness import assert_raises, describe, load_kata, load_path

kata = load_kata(__file__)

MIB = 2**20
REPORT_KEYS = ["allocated", "reserved", "peak_allocated", "peak_reserved", "cached", "ooms"]
BYTE_KEYS = {
    "allocated": "allocated_bytes.all.current",
    "reserved": "reserved_bytes.all.current",
    "peak_allocated": "allocated_bytes.all.peak",
    "peak_reserved": "reserved_bytes.all.peak",
}


# ----------------------------------------------------------------------------- task 1


def fake_stats(gen: torch.Generator) -> OrderedDict[str, int]:
    """A mapping shaped like torch.cuda.memory_stats(), every number different."""

    def draw(low: int, high: int) -> int:
        return int(torch.randint(low, high, (), generator=gen))

    allocated = draw(1, 4000) * 512
    reserved = allocated + draw(1, 3000) * 2 * MIB
    peak_allocated = allocated + draw(1, 900) * 512
    peak_reserved = max(reserved, peak_allocated) + draw(1, 50) * 2 * MIB
    stats = {
        "active_bytes.all.current": allocated + 512,
        "active_bytes.all.peak": peak_allocated + 1024,
        "allocated_bytes.all.allocated": peak_allocated * 7 + 3,
        "allocated_bytes.all.current": allocated,
        "allocated_bytes.all.freed": peak_allocated * 7 + 3 - allocated,
        "allocated_bytes.all.peak": peak_allocated,
        "allocated_bytes.large_pool.current": allocated - 512,
        "allocated_bytes.small_pool.current": 512,
        "inactive_split_bytes.all.current": draw(1, 100) * 512 + 1,
        "num_alloc_retries": draw(0, 5) + 11,
        "num_ooms": draw(0, 5),
        "requested_bytes.all.current": allocated - 100,
        "reserved_bytes.all.allocated": peak_reserved * 3 + 5,
        "reserved_bytes.all.current": reserved,
        "reserved_bytes.all.peak": peak_reserved,
        "reserved_bytes.large_pool.current": reserved - 2 * MIB,
    }
    return OrderedDict(sorted(stats.items()))


def expected_report(stats) -> dict[str, int]:
    report = {name: stats[key] for name, key in BYTE_KEYS.items()}
    report["cached"] = report["reserved"] - report["allocated"]
    report["ooms"] = stats["num_ooms"]
    return report


def check_report(report, stats, what: str) -> None:
    __tracebackhide__ = True
    if not isinstance(report, dict) or sorted(report) != sorted(REPORT_KEYS):
        keys = sorted(report) if isinstance(report, dict) else describe(report)
        raise AssertionError(f"{what} returned keys {keys}; expected {REPORT_KEYS}.")
    expected = expected_report(stats)
    for name in REPORT_KEYS:
        got = report[name]
        if type(got) is not int:
            raise AssertionError(f"{what}[{name!r}] is {describe(got)}; expected an int.")
        if got == expected[name]:
            continue
        read = [key for key, value in stats.items() if value == got]
        why = f"that is stats[{read[0]!r}]" if read else "no entry of stats has that value"
        if name == "cached":
            if got == expected["allocated"] - expected["reserved"]:
                why = "allocated - reserved, the wrong way round"
            why += (
                "; cached is reserved - allocated: what the allocator keeps for reuse and "
                "no tensor uses"
            )
        elif name in BYTE_KEYS:
            why += f"; {name!r} is stats[{BYTE_KEYS[name]!r}]"
            if name == "allocated" and got == expected["reserved"]:
                why += " (reading reserved as allocated: reserved counts the cache too)"
            if name.startswith("peak") and read and read[0].endswith(".current"):
                why += " (the current value, not the peak)"
        raise AssertionError(f"{what}[{name!r}] is {got}; expected {expected[name]}: {why}.")


@pytest.mark.task(1)
def test_memory_report_reads_the_right_keys():
    gen = torch.Generator().manual_seed(56)
    for _ in range(6):
        stats = fake_stats(gen)
        before = OrderedDict(stats)
        report = kata.memory_report(stats)
        check_report(
            report, stats, "memory_report(stats) for a torch.cuda.memory_stats()-like mapping"
        )
        if stats != before:
            raise AssertionError(
                "memory_report(stats) changed the stats mapping it was given; expected it "
                "untouched. Likely mistake: stats.pop(...), del or an assignment on the "
                "caller's mapping."
            )


@pytest.mark.task(1)
def test_memory_report_without_num_ooms_counts_zero():
    stats = fake_stats(torch.Generator().manual_seed(1))
    del stats["num_ooms"]
    report = kata.memory_report(stats)
    what = "memory_report(stats) for a mapping without 'num_ooms'"
    if not isinstance(report, dict) or report.get("ooms") != 0:
        raise AssertionError(
            f"{what} gave ooms={report.get('ooms') if isinstance(report, dict) else report!r}; "
            f"expected 0 (stats.get('num_ooms', 0))."
        )


@pytest.mark.task(1)
def test_memory_report_of_an_empty_mapping_is_all_zero():
    what = (
        "memory_report({}) (torch.cuda.memory_stats() before CUDA is initialised is an "
        "empty mapping)"
    )
    try:
        report = kata.memory_report(OrderedDict())
    except (KeyError, ValueError) as err:
        raise AssertionError(
            f"{what} raised {type(err).__name__}: {err}. Likely mistake: an empty mapping "
            f"treated as a broken one; nothing allocated yet means 0 everywhere."
        ) from None
    if report != dict.fromkeys(REPORT_KEYS, 0):
        raise AssertionError(
            f"{what} returned {report}; expected 0 for every key. Likely mistake: a key "
            f"missing from the report, or a value other than 0 for an empty mapping."
        )


@pytest.mark.task(1)
def test_memory_report_names_a_missing_key():
    for key in BYTE_KEYS.values():
        stats = fake_stats(torch.Generator().manual_seed(2))
        del stats[key]
        assert_raises(
            ValueError,
            kata.memory_report,
            stats,
            what=f"memory_report(stats) for a mapping without {key!r}",
            match=key.replace(".", r"\."),
            mistake="stats[key] raising KeyError (or a default of 0, which hides a wrong "
            "mapping); check the four byte keys and name the missing one.",
        )


# ----------------------------------------------------------------------------- task 2


class FakeCuda:
    """A stand-in for torch.cuda's statistics; fn's "tensors" are alloc() and free() calls.

    Reserved memory grows in 2 MiB segments and is kept, as the caching allocator does.
    The peaks start stale (an earlier, larger workload) until reset_peak_memory_stats().
    """

    SEGMENT = 2 * MIB

    def __init__(self, allocated: int, stale_peak: int) -> None:
        self.allocated = allocated
        self.reserved = self._round(allocated) + 4 * self.SEGMENT
        self.peak = max(stale_peak, allocated)
        self.peak_reserved = max(self.reserved, self._round(self.peak))
        self.resets = 0

    def _round(self, n: int) -> int:
        return -(-n // self.SEGMENT) * self.SEGMENT

    def alloc(self, n: int) -> None:
        self.allocated += n
        self.peak = max(self.peak, self.allocated)
        self.reserved = max(self.reserved, self._round(self.allocated))
        self.peak_reserved = max(self.peak_reserved, self.reserved)

    def free(self, n: int) -> None:
        self.allocated -= n

    def reset_peak_memory_stats(self, device=None) -> None:
        self.resets += 1
        self.peak, self.peak_reserved = self.allocated, self.reserved

    def memory_stats(self, device=None) -> OrderedDict[str, int]:
        stats = {
            "allocated_bytes.all.current": self.allocated,
            "allocated_bytes.all.peak": self.peak,
            "reserved_bytes.all.current": self.reserved,
            "reserved_bytes.all.peak": self.peak_reserved,
            "active_bytes.all.current": self.allocated,
            "num_ooms": 0,
        }
        return OrderedDict(sorted(stats.items()))


def workload(gen: torch.Generator, cuda: FakeCuda):
    """fn(): random allocations and frees; returns (fn, the extra bytes at its high point)."""
    sizes = (torch.randint(1, 400, (6,), generator=gen) * 4096).tolist()
    frees = torch.rand(6, generator=gen).lt(0.5).tolist()
    live, extra, high = [], 0, 0
    plan = []
    for size, free in zip(sizes, frees, strict=True):
        plan.append(("alloc", size))
        live.append(size)
        extra += size
        high = max(high, extra)
        if free and live:
            gone = live.pop(0)
            plan.append(("free", gone))
            extra -= gone

    def fn(tag):
        for action, n in plan:
            getattr(cuda, action)(n)
        return f"result of {tag}"

    return fn, high, plan


@pytest.mark.task(2)
def test_peak_memory_measures_the_extra_memory_at_the_high_point():
    gen = torch.Generator().manual_seed(7)
    for _ in range(6):
        start = int(torch.randint(10, 200, (), generator=gen)) * MIB
        cuda = FakeCuda(allocated=start, stale_peak=start + 900 * MIB)
        fn, high, plan = workload(gen, cuda)
        what = (
            f"peak_memory(fn, 'x', cuda=stand-in) where {start // MIB} MiB are allocated "
            f"before, an earlier peak was {cuda.peak // MIB} MiB, and fn does "
            f"{', '.join(f'{a} {n // 1024} KiB' for a, n in plan)}"
        )
        result = kata.peak_memory(fn, "x", cuda=cuda)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise AssertionError(f"{what} returned {describe(result)}; expected (result, bytes).")
        value, extra = result
        if value != "result of x":
            raise AssertionError(f"{what} returned {value!r} as fn's result; expected fn('x').")
        if extra == high:
            continue
        if cuda.resets == 0:
            why = (
                "no reset_peak_memory_stats() before fn: the peak is an earlier workload's "
                "(peaks only grow until reset)."
            )
        elif extra == high + start:
            why = (
                "the peak itself, not minus the allocation before fn (memory that was "
                "live already)."
            )
        elif extra == cuda.allocated - start:
            why = (
                "the peak reset after fn ran (so it is the memory left at the end), or the "
                "current allocation read instead of the peak."
            )
        elif extra == cuda.peak_reserved - start or extra == cuda.peak_reserved:
            why = "the reserved peak (with the cache) read instead of the allocated one."
        else:
            why = "not peak_allocated after fn minus allocated before it."
        raise AssertionError(
            f"{what} returned {extra} bytes; expected {high}. Likely mistake: {why}"
        )


@pytest.mark.task(2)
def test_peak_memory_of_a_function_that_allocates_nothing_is_zero():
    cuda = FakeCuda(allocated=50 * MIB, stale_peak=700 * MIB)
    what = "peak_memory(lambda: 3, cuda=stand-in) with 50 MiB live and an old 700 MiB peak"
    result = kata.peak_memory(lambda: 3, cuda=cuda)
    if result != (3, 0):
        raise AssertionError(
            f"{what} returned {describe(result)}; expected (3, 0). Likely mistake: no "
            f"reset_peak_memory_stats() before fn, or the memory live before fn counted."
        )


# ----------------------------------------------------------------------------- task 3


class StandInStep:
    """step(batch_size): fails with a real torch.cuda.OutOfMemoryError above `fits`.

    Each attempt keeps its "activations" in a reference cycle in its frame, as autograd
    graphs and modules do: only gc.collect() frees them once the frame is gone. Weak
    references tell whether a failed attempt's tensors are still alive.
    """

    MAX_CALLS = 40

    def __init__(self, fits: int, device, error: Exception | None = None) -> None:
        self.fits, self.device, self.error = fits, device, error
        self.sizes: list[int] = []
        self.failed: list[weakref.ref] = []
        self.alive_at_retry: list[int] = []
        self.in_except: list[bool] = []

    def __call__(self, batch_size: int) -> str:
        if len(self.sizes) >= self.MAX_CALLS:
            raise AssertionError(
                f"run_with_backoff called step {self.MAX_CALLS} times: retrying forever. "
                f"Likely mistake: the batch size is not halved, or there is no minimum."
            )
        if batch_size < 1:
            raise AssertionError(
                f"step was called with batch size {batch_size} after {self.sizes}: halving "
                f"went below the minimum; re-raise the error instead."
            )
        self.alive_at_retry.append(sum(ref() is not None for ref in self.failed))
        # an exception being handled right now: the caller is still in its except block
        self.in_except.append(isinstance(sys.exc_info()[1], torch.cuda.OutOfMemoryError))
        self.sizes.append(batch_size)
        if self.error is not None:
            raise self.error
        activations = torch.empty(batch_size, 16, device=self.device)
        holder = {"activations": activations}
        holder["self"] = holder  # a cycle: refcounting alone never frees it
        if batch_size > self.fits:
            self.failed.append(weakref.ref(activations))
            del activations
            raise torch.cuda.OutOfMemoryError(
                f"CUDA out of memory. Tried to allocate {batch_size * 64} bytes (stand-in)"
            )
        return f"trained on {batch_size}"


class EmptyCacheSpy:
    """Replaces torch.cuda.empty_cache: counts calls, and the failed tensors still alive."""

    def __init__(self, step: StandInStep) -> None:
        self.step = step
        self.alive: list[int] = []
        self.in_except: list[bool] = []

    def __call__(self, device=None) -> None:
        self.alive.append(sum(ref() is not None for ref in self.step.failed))
        self.in_except.append(isinstance(sys.exc_info()[1], torch.cuda.OutOfMemoryError))


def call_backoff(step, batch_size, monkeypatch, *, what: str, **kwargs):
    """run_with_backoff with empty_cache spied on and automatic gc off (so that only the
    learner's gc.collect() frees reference cycles)."""
    __tracebackhide__ = True
    spy = EmptyCacheSpy(step)
    monkeypatch.setattr(torch.cuda, "empty_cache", spy)
    modules = [kata.module()] + ([] if kata.overlay is None else [load_path(kata.overlay)])
    for module in modules:  # also `from torch.cuda import empty_cache` in the learner's file
        for name, value in list(vars(module).items()):
            if getattr(value, "__name__", None) == "empty_cache" and value is not spy:
                monkeypatch.setattr(module, name, spy)
    # gc.freeze(): the objects that exist already are skipped by gc.collect(), which then
    # takes microseconds instead of a large part of a second with torch loaded
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        result = kata.run_with_backoff(step, batch_size, **kwargs)
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
    if not (isinstance(result, tuple) and len(result) == 2):
        raise AssertionError(f"{what} returned {describe(result)}; expected (result, batch_size).")
    return result, spy


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "batch_size, fits, sizes",
    [(32, 5, [32, 16, 8, 4]), (7, 1, [7, 3, 1]), (8, 8, [8]), (9, 4, [9, 4])],
)
def test_backoff_halves_until_the_step_fits(batch_size, fits, sizes, device, monkeypatch):
    step = StandInStep(fits, device)
    what = f"run_with_backoff(step, {batch_size}) for a step that runs out of memory above {fits}"
    (value, used), spy = call_backoff(step, batch_size, monkeypatch, what=what)
    if step.sizes != sizes:
        raise AssertionError(
            f"{what} called step with {step.sizes}; expected {sizes} (batch_size // 2 after "
            f"each out-of-memory error). Likely mistake: another rule than batch_size // 2 "
            f"(rounding up, a fixed step), or stopping before the step fits."
        )
    if (value, used) != (f"trained on {sizes[-1]}", sizes[-1]):
        raise AssertionError(
            f"{what} returned ({value!r}, {used!r}); expected ('trained on {sizes[-1]}', "
            f"{sizes[-1]}): step's result and the batch size that worked. Likely mistake: the "
            f"first batch size returned, or the next (halved) one, instead of the one that ran."
        )
    if len(spy.alive) != len(sizes) - 1:
        raise AssertionError(
            f"{what}: torch.cuda.empty_cache() was called {len(spy.alive)} times for "
            f"{len(sizes) - 1} out-of-memory errors; expected once before each retry (and "
            f"not at all when the first try works). Likely mistake: "
            + (
                "no torch.cuda.empty_cache() before retrying."
                if not spy.alive
                else "empty_cache() on every attempt (the first included), or only once."
            )
        )


@pytest.mark.task(3)
def test_backoff_frees_the_failed_attempt_before_retrying(device, monkeypatch):
    step = StandInStep(2, device)
    what = "run_with_backoff(step, 16) for a step that runs out of memory above 2"
    _, spy = call_backoff(step, 16, monkeypatch, what=what)
    if any(step.in_except):
        raise AssertionError(
            f"{what}: step was retried while the out-of-memory error was still being "
            f"handled. Likely mistake: retrying inside the except block: the error's "
            f"traceback keeps the failed step's frame and its tensors alive during the "
            f"retry. Leave the except block, then free memory, then retry."
        )
    if any(step.alive_at_retry):
        raise AssertionError(
            f"{what}: when step was retried, the tensors of {max(step.alive_at_retry)} failed "
            f"attempt(s) were still alive (held in reference cycles), taking memory the "
            f"retry needs. Likely mistake: no gc.collect() before retrying."
        )
    if any(spy.in_except):
        raise AssertionError(
            f"{what}: torch.cuda.empty_cache() ran inside the except block, while the "
            f"error's traceback still held the failed attempt's tensors: their blocks could "
            f"not go back to the driver. Likely mistake: freeing memory inside the except "
            f"block; leave it first."
        )
    if any(spy.alive):
        raise AssertionError(
            f"{what}: torch.cuda.empty_cache() ran while a failed attempt's tensors were "
            f"still alive in reference cycles, so their blocks could not go back to the "
            f"driver. Likely mistake: empty_cache() before gc.collect()."
        )


@pytest.mark.task(3)
def test_backoff_reraises_below_the_minimum(device, monkeypatch):
    for batch_size, min_batch_size, sizes in ((16, 4, [16, 8, 4]), (5, 1, [5, 2, 1]), (3, 3, [3])):
        step = StandInStep(0, device)  # never fits
        what = (
            f"run_with_backoff(step, {batch_size}, min_batch_size={min_batch_size}) for a "
            f"step that never fits"
        )
        try:
            result = call_backoff(
                step, batch_size, monkeypatch, what=what, min_batch_size=min_batch_size
            )
        except torch.cuda.OutOfMemoryError as err:
            if f"allocate {sizes[-1] * 64} bytes" not in str(err):
                raise AssertionError(
                    f"{what} raised the out-of-memory error {str(err)!r}; expected the last "
                    f"one, of batch size {sizes[-1]}. Likely mistake: the first error kept "
                    f"and re-raised, or a new one raised (re-raise the error of the last try)."
                ) from None
        else:
            raise AssertionError(
                f"{what} returned {describe(result[0])}; expected the last "
                f"torch.cuda.OutOfMemoryError to be re-raised once the batch would go "
                f"below min_batch_size. Likely mistake: the error swallowed at the end."
            )
        if step.sizes != sizes:
            raise AssertionError(
                f"{what} called step with {step.sizes}; expected {sizes}, then re-raise."
            )


@pytest.mark.task(3)
@pytest.mark.parametrize(
    "error",
    [RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)"), ValueError("bad")],
    ids=["RuntimeError", "ValueError"],
)
def test_backoff_does_not_catch_other_errors(error, device, monkeypatch):
    step = StandInStep(100, device, error=error)
    what = (
        f"run_with_backoff(step, 8) for a step that raises {type(error).__name__}({str(error)!r})"
    )
    try:
        call_backoff(step, 8, monkeypatch, what=what)
    except NotImplementedError:
        raise  # not started (NotImplementedError is a RuntimeError too)
    except type(error) as err:
        if err is not error:
            raise AssertionError(
                f"{what} raised another {type(err).__name__}: {err}; expected the step's own "
                f"error, re-raised untouched. Likely mistake: catching it and raising a new one."
            ) from None
    else:
        raise AssertionError(
            f"{what} returned instead of raising the step's error. Likely mistake: catching "
            f"every error (except Exception / RuntimeError) and carrying on."
        )
    if step.sizes != [8]:
        raise AssertionError(
            f"{what} called step with {step.sizes}: it retried after an error that is not "
            f"out-of-memory. Likely mistake: catching every RuntimeError "
            f"(OutOfMemoryError is one of them); a shape bug then looks like a memory "
            f"problem and is hidden. Catch torch.cuda.OutOfMemoryError only."
        )


@pytest.mark.task(3)
def test_backoff_rejects_bad_sizes(device):
    for batch_size, min_batch_size in ((0, 1), (4, 0), (2, 3)):
        step = StandInStep(100, device)
        assert_raises(
            ValueError,
            kata.run_with_backoff,
            step,
            batch_size,
            min_batch_size=min_batch_size,
            what=f"run_with_backoff(step, {batch_size}, min_batch_size={min_batch_size})",
            mistake="no check that 1 <= min_batch_size <= batch_size.",
        )
        if step.sizes:
            raise AssertionError(
                f"run_with_backoff(step, {batch_size}, min_batch_size={min_batch_size}) "
                f"called step before raising ValueError; expected the check first. Likely "
                f"mistake: the sizes checked only after a first attempt."
            )


@pytest.mark.task(3)
def test_backoff_works_without_a_spy_on_this_machine(device):
    """Unpatched: torch.cuda.empty_cache() must be safe here (a no-op without CUDA)."""
    step = StandInStep(3, device)
    gc.freeze()  # as in call_backoff: keeps the learner's gc.collect() fast
    try:
        result = kata.run_with_backoff(step, 12)
    finally:
        gc.unfreeze()
    if result != ("trained on 3", 3) or step.sizes != [12, 6, 3]:
        raise AssertionError(
            f"run_with_backoff(step, 12) for a step that fits 3 returned {describe(result)} "
            f"after sizes {step.sizes}; expected ('trained on 3', 3) after [12, 6, 3]."
        )


# ----------------------------------------------------------------------------- on a GPU


@pytest.mark.cuda
@pytest.mark.task(1)
def test_allocated_reserved_and_empty_cache_on_a_gpu(device):
    torch.cuda.synchronize(device)
    gc.collect()
    torch.cuda.empty_cache()
    base = kata.memory_report(torch.cuda.memory_stats(device))
    check_live = {
        "allocated": torch.cuda.memory_allocated(device),
        "reserved": torch.cuda.memory_reserved(device),
    }
    for name, value in check_live.items():
        if base[name] != value:
            raise AssertionError(
                f"memory_report(torch.cuda.memory_stats())[{name!r}] is {base[name]}; "
                f"torch.cuda.memory_{name}() says {value}."
            )
    x = torch.empty(64 * MIB, dtype=torch.uint8, device=device)  # 64 MiB, a whole segment
    held = kata.memory_report(torch.cuda.memory_stats(device))
    if held["allocated"] != base["allocated"] + 64 * MIB:
        raise AssertionError(
            f"after allocating 64 MiB, report['allocated'] grew by "
            f"{(held['allocated'] - base['allocated']) / MIB:.1f} MiB; expected 64."
        )
    del x
    freed = kata.memory_report(torch.cuda.memory_stats(device))
    if freed["allocated"] != base["allocated"] or freed["reserved"] != held["reserved"]:
        raise AssertionError(
            f"after del x: allocated {freed['allocated']} (expected {base['allocated']}), "
            f"reserved {freed['reserved']} (expected {held['reserved']}: the caching "
            f"allocator keeps the freed block)."
        )
    if freed["cached"] < 64 * MIB:
        raise AssertionError(
            f"after del x, report['cached'] is {freed['cached']}; expected at least 64 MiB "
            f"kept in the cache."
        )
    torch.cuda.empty_cache()
    released = kata.memory_report(torch.cuda.memory_stats(device))
    if released["reserved"] >= freed["reserved"]:
        raise AssertionError(
            f"after torch.cuda.empty_cache(), reserved is {released['reserved']}; expected "
            f"less than {freed['reserved']} (the freed 64 MiB segment returned)."
        )


@pytest.mark.cuda
@pytest.mark.task(2)
def test_peak_memory_on_a_gpu(device):
    def fn():
        x = torch.empty(2**28, device=device)  # 1 GiB of float32
        return x.numel()

    keep = torch.empty(8 * MIB, dtype=torch.uint8, device=device)  # live before: not counted
    value, extra = kata.peak_memory(fn)
    del keep
    if value != 2**28 or not 2**30 <= extra <= 2**30 + 2 * MIB:
        raise AssertionError(
            f"peak_memory(fn) for fn allocating 1 GiB returned ({value}, {extra}); expected "
            f"({2**28}, about {2**30}) bytes."
        )


@pytest.mark.cuda
@pytest.mark.task(3)
@pytest.mark.timeout(120)
def test_backoff_survives_a_real_out_of_memory_error(device):
    gc.collect()
    torch.cuda.empty_cache()
    free, total = torch.cuda.mem_get_info(device)
    unit = total // 8  # batch 64 asks for 8 GPUs' worth: the first tries must fail
    ooms_before = kata.memory_report(torch.cuda.memory_stats(device))["ooms"]
    allocated_before = torch.cuda.memory_allocated(device)
    sizes = []

    def step(batch_size: int) -> int:
        sizes.append(batch_size)
        block = torch.empty(batch_size * unit, dtype=torch.uint8, device=device)
        return block.numel()

    what = f"run_with_backoff(step, 64) where step(b) allocates b x {unit / 2**30:.1f} GiB"
    value, used = kata.run_with_backoff(step, 64)
    if used >= 64 or used * unit > free or value != used * unit or sizes[-1] != used:
        raise AssertionError(
            f"{what} returned ({value}, {used}) after sizes {sizes}; expected a halved size "
            f"that fits in the {free / 2**30:.1f} GiB free."
        )
    ooms = kata.memory_report(torch.cuda.memory_stats(device))["ooms"] - ooms_before
    if ooms != len(sizes) - 1:
        raise AssertionError(f"{what}: {ooms} out-of-memory errors counted for sizes {sizes}.")
    if torch.cuda.memory_allocated(device) != allocated_before:
        raise AssertionError(
            f"{what}: {torch.cuda.memory_allocated(device) - allocated_before} bytes are still "
            f"allocated afterwards: a failed or finished attempt's tensor is still referenced."
        )
    torch.cuda.empty_cache()
