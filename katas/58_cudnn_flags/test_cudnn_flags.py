"""Tests for kata 58: determinism flags read, set, and restored exactly.

The flags are process-wide settings that exist on a CPU-only build too, so on the CPU the
tests check every flag on every path: from each of the 16 starting states, inside the
block, after it, after an exception, and nested. An autouse fixture puts every setting the
tests touch back after each test, whatever the code under test did. The tests marked cuda
train a small conv net twice on a GPU and compare outputs and gradients bit for bit.
"""

from __future__ import annotations

import itertools
import os

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from torchkatas.harness import assert_raises, describe, load_kata

kata = load_kata(__file__)

NAMES = ("deterministic_algorithms", "warn_only", "cudnn_deterministic", "cudnn_benchmark")
STATES = [
    dict(zip(NAMES, bits, strict=True)) for bits in itertools.product([False, True], repeat=4)
]
INSIDE = {"deterministic_algorithms": True, "cudnn_deterministic": True, "cudnn_benchmark": False}


def read() -> dict[str, bool]:
    """The four flags, read with torch's own getters (the oracle)."""
    return {
        "deterministic_algorithms": torch.are_deterministic_algorithms_enabled(),
        "warn_only": torch.is_deterministic_algorithms_warn_only_enabled(),
        "cudnn_deterministic": bool(torch.backends.cudnn.deterministic),
        "cudnn_benchmark": bool(torch.backends.cudnn.benchmark),
    }


def put(state: dict[str, bool]) -> None:
    """Set the four flags with torch's own setters."""
    torch.use_deterministic_algorithms(
        state["deterministic_algorithms"], warn_only=state["warn_only"]
    )
    torch.backends.cudnn.deterministic = state["cudnn_deterministic"]
    torch.backends.cudnn.benchmark = state["cudnn_benchmark"]


def others() -> dict[str, object]:
    """Settings the kata must leave alone."""
    return {
        "cudnn.enabled": torch.backends.cudnn.enabled,
        "cudnn.allow_tf32": torch.backends.cudnn.allow_tf32,
        "CUBLAS_WORKSPACE_CONFIG": os.environ.get("CUBLAS_WORKSPACE_CONFIG"),
    }


@pytest.fixture(autouse=True)
def restore_global_flags():
    """Whatever happens in a test, the process's settings are as before afterwards."""
    flags, rest = read(), others()
    yield
    put(flags)
    torch.backends.cudnn.enabled = rest["cudnn.enabled"]
    torch.backends.cudnn.allow_tf32 = rest["cudnn.allow_tf32"]
    if rest["CUBLAS_WORKSPACE_CONFIG"] is None:
        os.environ.pop("CUBLAS_WORKSPACE_CONFIG", None)
    else:
        os.environ["CUBLAS_WORKSPACE_CONFIG"] = rest["CUBLAS_WORKSPACE_CONFIG"]


def short(state: dict[str, bool]) -> str:
    return "{" + ", ".join(f"{k}={int(v)}" for k, v in state.items()) + "}"


def check_inside(what: str, warn_only: bool, before_others: dict) -> None:
    __tracebackhide__ = True
    now = read()
    expected = {**INSIDE, "warn_only": warn_only}
    wrong = {k: now[k] for k in NAMES if now[k] != expected[k]}
    if wrong:
        hints = []
        if "deterministic_algorithms" in wrong:
            hints.append(
                "torch.use_deterministic_algorithms(True) is missing: the cuDNN flags alone "
                "leave every other nondeterministic CUDA kernel (index_add, scatter_add, "
                "embedding backward) as it is"
            )
        if "cudnn_benchmark" in wrong:
            hints.append(
                "setting benchmark=True together with deterministic: benchmark mode times "
                "algorithms and may pick another one each run; it must be False"
            )
        if "warn_only" in wrong:
            hints.append(
                f"warn_only not passed on: use_deterministic_algorithms(True, "
                f"warn_only={warn_only})"
            )
        if "cudnn_deterministic" in wrong:
            hints.append("torch.backends.cudnn.deterministic = True is missing")
        raise AssertionError(
            f"{what}: inside the block the flags are {short(now)}; expected {short(expected)}. "
            f"Likely mistake: {'; '.join(hints)}."
        )
    changed = {k: v for k, v in others().items() if v != before_others[k]}
    if changed:
        raise AssertionError(
            f"{what}: inside the block {changed} changed (was "
            f"{ {k: before_others[k] for k in changed} }). Likely mistake: "
            + (
                "torch.backends.cudnn.flags(deterministic=True, ...): its other arguments "
                "have defaults, enabled=False among them, so it turns cuDNN off."
                if "cudnn.enabled" in changed
                else "setting CUBLAS_WORKSPACE_CONFIG: torch 2.14 does not need it, and "
                "cuBLAS reads it once per process anyway."
                if "CUBLAS_WORKSPACE_CONFIG" in changed
                else "a setting the kata does not ask for."
            )
        )


def check_restored(what: str, start: dict[str, bool], after: str = "after the block") -> None:
    __tracebackhide__ = True
    now = read()
    if now == start:
        return
    defaults = dict.fromkeys(NAMES, False)
    only_warn_only = now["warn_only"] != start["warn_only"] and all(
        now[k] == start[k] for k in NAMES if k != "warn_only"
    )
    causes = []
    if only_warn_only:
        causes.append(
            "warn_only lost: use_deterministic_algorithms(mode) resets it; restore with "
            "use_deterministic_algorithms(mode, warn_only=previous warn_only)"
        )
    if now == defaults:
        causes.append("restoring torch's defaults instead of the values the flags had before")
    if not causes and all(now[k] == v for k, v in INSIDE.items()):
        causes.append("the flags not restored at all (on this path)")
    why = ", or ".join(causes) + "." if causes else "some flags not saved before, or not restored."
    raise AssertionError(
        f"{what}: {after} the flags are {short(now)}; before they were {short(start)}. "
        f"Likely mistake: {why}"
    )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
def test_determinism_flags_reads_all_four():
    for state in STATES:
        put(state)
        got = kata.determinism_flags()
        if (
            not isinstance(got, dict)
            or got != state
            or not all(type(v) is bool for v in got.values())
        ):
            wrong = (
                sorted(k for k in state if got.get(k) != state[k]) if isinstance(got, dict) else []
            )
            raise AssertionError(
                f"determinism_flags() with the flags set to {short(state)} returned "
                f"{describe(got) if not isinstance(got, dict) else got}; expected {state}, "
                f"all bools. Likely mistake: "
                + (
                    f"{', '.join(wrong)} read from the wrong setting (or a key misspelt)."
                    if wrong
                    else "values that are not bools, or extra keys."
                )
            )


@pytest.mark.task(1)
def test_set_determinism_flags_sets_all_four_and_nothing_else():
    for start, target in itertools.product(STATES[::5], STATES):
        put(start)
        before_others = others()
        given = dict(target)
        kata.set_determinism_flags(given)
        what = f"set_determinism_flags({short(target)}) from {short(start)}"
        if read() != target:
            why = (
                " Likely mistake: warn_only not passed to torch.use_deterministic_algorithms "
                "(it resets warn_only to False when not given)."
                if read()["warn_only"] != target["warn_only"]
                else " Likely mistake: a flag not set, or set from another key."
            )
            raise AssertionError(
                f"{what} left the flags at {short(read())}; expected {short(target)}.{why}"
            )
        if given != target:
            raise AssertionError(
                f"{what} changed the mapping it was given (now {given}); expected it untouched. "
                f"Likely mistake: pop() or assignment on the caller's dict."
            )
        if others() != before_others:
            raise AssertionError(
                f"{what} changed another setting ({others()}, was {before_others}); expected "
                f"only the four flags set. Likely mistake: torch.backends.cudnn.flags(...) or "
                f"another setting changed along the way."
            )


@pytest.mark.task(1)
def test_set_determinism_flags_rejects_other_keys():
    start = read()
    full = dict(STATES[5])
    cases = [
        ({k: v for k, v in full.items() if k != "warn_only"}, "without 'warn_only'"),
        ({**full, "cudnn_enabled": True}, "with an extra key 'cudnn_enabled'"),
        ({}, "empty"),
    ]
    for flags, label in cases:
        assert_raises(
            ValueError,
            kata.set_determinism_flags,
            flags,
            what=f"set_determinism_flags(a mapping {label})",
            mistake="no check of the keys: a missing key is a KeyError halfway, after some "
            "flags were already changed.",
        )
        check_restored(f"set_determinism_flags(a mapping {label})", start, "after the ValueError")


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("start", STATES, ids=[short(s) for s in STATES])
def test_deterministic_sets_the_flags_inside_and_restores_them(start):
    for warn_only in (False, True):
        put(start)
        before_others = others()
        what = f"with deterministic(warn_only={warn_only}) from {short(start)}"
        with kata.deterministic(warn_only=warn_only):
            check_inside(what, warn_only, before_others)
        check_restored(what, start)


@pytest.mark.task(2)
@pytest.mark.parametrize("start", STATES[::3], ids=[short(s) for s in STATES[::3]])
def test_deterministic_restores_the_flags_when_the_block_raises(start):
    put(start)
    what = f"with deterministic() from {short(start)}, a block that raises ValueError"
    raised = False
    try:
        with kata.deterministic():
            raise ValueError("the body failed")
    except ValueError as err:
        raised = str(err) == "the body failed"
    if not raised:
        raise AssertionError(
            f"{what}: the block's ValueError did not come out; it must propagate. Likely "
            f"mistake: an except around the yield that swallows the error."
        )
    now = read()
    if now != start:
        if all(now[k] == v for k, v in INSIDE.items()):
            raise AssertionError(
                f"{what}: after the exception the flags are {short(now)}; before they were "
                f"{short(start)}. Likely mistake: not restoring on exception: restore in a "
                f"`finally:` around the `yield`."
            )
        check_restored(what, start, "after the exception")


@pytest.mark.task(2)
def test_deterministic_nests():
    start = {
        "deterministic_algorithms": False,
        "warn_only": False,
        "cudnn_deterministic": False,
        "cudnn_benchmark": True,
    }
    put(start)
    before_others = others()
    with kata.deterministic(warn_only=True):
        outer = read()
        with kata.deterministic():
            check_inside(
                "the inner `with deterministic()` inside `with deterministic(warn_only=True)`",
                False,
                before_others,
            )
        check_restored(
            "an inner `with deterministic()` inside `with deterministic(warn_only=True)`",
            outer,
            "after the inner block, inside the outer one,",
        )
    check_restored("nested deterministic() blocks", start, "after the outer block")


@pytest.mark.task(2)
def test_deterministic_yields_nothing():
    with kata.deterministic() as value:
        pass
    if value is not None:
        raise AssertionError(
            f"`with deterministic() as value:` gave {describe(value)}; expected None. Likely "
            f"mistake: yielding a value (the saved flags) instead of a bare `yield`."
        )


# ----------------------------------------------------------------------------- task 3


def noisy(x: torch.Tensor, seen: list) -> torch.Tensor:
    """Random work: fresh weights, dropout; records the flags while it runs."""
    seen.append(read())
    weight = torch.randn(x.shape[-1], 4, device=x.device)
    return F.dropout(x @ weight, p=0.5, training=True)


@pytest.mark.task(3)
def test_reproducible_run_repeats_bit_for_bit(device):
    x = torch.ones(3, 5, device=device)
    seen: list = []
    what = "reproducible_run(noisy, x (3, 5), seed=...)"
    first = kata.reproducible_run(noisy, x, seen, seed=58)
    second = kata.reproducible_run(noisy, x, seen, seed=58)
    other = kata.reproducible_run(noisy, x, seen, seed=59)
    if not isinstance(first, torch.Tensor) or first.shape != (3, 4):
        raise AssertionError(
            f"{what} returned {describe(first)}; expected fn's result, (3, 4). Likely mistake: "
            f"returning something other than fn(*args)."
        )
    if not torch.equal(first, second):
        raise AssertionError(
            f"{what}: two calls with seed=58 differ. Likely mistake: torch.manual_seed(seed) "
            f"not called (or called after fn ran)."
        )
    if torch.equal(first, other):
        raise AssertionError(
            f"{what}: seeds 58 and 59 gave the same result: the seed is not used (a fixed seed "
            f"instead of torch.manual_seed(seed))."
        )
    for state in seen:
        if any(state[k] != v for k, v in INSIDE.items()):
            raise AssertionError(
                f"{what}: while fn ran the flags were {short(state)}; expected it to run "
                f"inside deterministic()."
            )


@pytest.mark.task(3)
def test_reproducible_run_leaves_the_callers_random_state_and_flags(device):
    start = {
        "deterministic_algorithms": False,
        "warn_only": True,
        "cudnn_deterministic": False,
        "cudnn_benchmark": True,
    }
    put(start)
    torch.manual_seed(1234)
    state = torch.get_rng_state()
    cuda_state = torch.cuda.get_rng_state() if device.type == "cuda" else None
    kata.reproducible_run(noisy, torch.ones(2, 3, device=device), [], seed=7)
    what = "reproducible_run(noisy, x, seed=7)"
    if not torch.equal(torch.get_rng_state(), state):
        raise AssertionError(
            f"{what} changed the caller's CPU random state: the caller's next random numbers "
            f"are not what they would have been. Likely mistake: torch.manual_seed(seed) "
            f"outside torch.random.fork_rng()."
        )
    if cuda_state is not None and not torch.equal(torch.cuda.get_rng_state(), cuda_state):
        raise AssertionError(
            f"{what} changed the caller's CUDA random state. Likely mistake: fork_rng(devices=[]) "
            f"forks only the CPU generator; pass the CUDA devices."
        )
    check_restored(what, start, "after the call")


# ----------------------------------------------------------------------------- on a GPU


class ConvNet(nn.Module):
    """Conv layers (cuDNN), an embedding (atomic adds in backward), pooling and a head."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1)
        self.bn = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.embed = nn.Embedding(10, 32)
        self.head = nn.Linear(32, 5)

    def forward(self, images: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.bn(self.conv1(images)))
        h = F.max_pool2d(F.relu(self.conv2(h)), 2)
        h = h.mean(dim=(2, 3)) + self.embed(labels)  # (N, 32)
        return self.head(h)


def train_twice(images, labels, targets):
    model = ConvNet().to(images.device)
    outputs = model(images, labels)
    F.mse_loss(outputs, targets).backward()  # nll_loss has no deterministic CUDA kernel
    return outputs.detach(), [p.grad.clone() for p in model.parameters()]


@pytest.mark.cuda
@pytest.mark.task(3)
def test_conv_net_runs_are_bit_identical_on_a_gpu(device):
    gen = torch.Generator().manual_seed(0)
    images = torch.randn(64, 3, 32, 32, generator=gen).to(device)
    labels = torch.randint(0, 10, (64,), generator=gen).to(device)  # many repeats: atomics
    targets = torch.randn(64, 5, generator=gen).to(device)
    torch.backends.cudnn.benchmark = True  # the block must turn it off (the fixture restores)
    runs = [kata.reproducible_run(train_twice, images, labels, targets, seed=3) for _ in range(2)]
    (out_a, grads_a), (out_b, grads_b) = runs
    if not torch.equal(out_a, out_b):
        raise AssertionError(
            "two reproducible_run(...) of a conv net on the GPU gave different outputs."
        )
    names = [name for name, _ in ConvNet().named_parameters()]
    for name, a, b in zip(names, grads_a, grads_b, strict=True):
        if not torch.equal(a, b):
            raise AssertionError(
                f"two reproducible_run(...) of a conv net on the GPU gave different gradients "
                f"for {name} (largest difference {(a - b).abs().max().item():.3g}). Likely "
                f"mistake: cudnn.benchmark left on, cudnn.deterministic off, or "
                f"use_deterministic_algorithms not enabled."
            )
    if not torch.backends.cudnn.benchmark:
        raise AssertionError(
            "after reproducible_run(...) cudnn.benchmark is off; it was on before."
        )
