"""Tests for kata 62: ZeRO and FSDP2 train like plain DDP while each rank holds a shard.

Every check runs in one spawn of the ranks per implementation (torchkatas.launch): each
rank trains the same model three ways on the same batches, plain DDP with Adam (the
oracle), ZeroRedundancyOptimizer under DDP, and FSDP2's fully_shard, then counts what it
holds. The tests read that report. With 2 ranks and this model the fractions are exact:
see MODEL below.
"""

from __future__ import annotations

import datetime
import traceback
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

from torchkatas.harness import ImplRef, NotStarted, assert_tensor_close, load_kata, not_started_site
from torchkatas.launch import RanksFailed, file_init_method, run_ranks

kata = load_kata(__file__)

TIGHT = {"rtol": 1e-10, "atol": 1e-12}  # float64; measured equal bit for bit on gloo
LR = 0.05
STEPS = 3
GROUP_TIMEOUT = datetime.timedelta(seconds=30)
FUNCTIONS = ("train_ddp_zero", "optimizer_state_elements", "train_fsdp", "local_parameter_elements")

# MODEL: four Linear(8, 8) in float64: 4 x (64 + 8) = 288 parameter elements.
# Adam's full state: exp_avg and exp_avg_sq per element plus one step per parameter tensor,
# 2 x 288 + 8 = 584 elements. With 2 ranks:
# - ZeRO owns whole tensors: two weights and two biases per rank, 2 x 144 + 4 = 292: half.
# - FSDP2 shards every tensor's rows: 144 parameter elements per rank, half; its Adam state
#   is 2 x 144 + 8 = 296, because every parameter keeps its own unsharded step.
PARAMS, ADAM_FULL = 288, 584
EXPECTED_2_RANKS = {"zero_state": 292, "fsdp_params": 144, "fsdp_state": 296}

_reports: dict[tuple[Any, ...], Any] = {}  # one spawned run per implementation


def make_model() -> nn.Sequential:
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(62)
        layers: list[nn.Module] = []
        for i in range(4):
            layers += [nn.Linear(8, 8)] + ([nn.Tanh()] if i < 3 else [])
        return nn.Sequential(*layers).double()


# ----------------------------------------------------------------------------- in each rank


def _count_state(optimizer: Any) -> int:
    """The test's own count of this rank's optimizer state elements."""
    from torch.distributed.optim import ZeroRedundancyOptimizer
    from torch.distributed.tensor import DTensor

    inner = optimizer.optim if isinstance(optimizer, ZeroRedundancyOptimizer) else optimizer
    total = 0
    for state in inner.state.values():
        for value in state.values():
            if isinstance(value, DTensor):
                total += value.to_local().numel()
            elif isinstance(value, torch.Tensor):
                total += value.numel()
    return total


def _full_state(model: nn.Module) -> dict[str, torch.Tensor]:
    """Every parameter gathered whole (full_tensor for DTensors), on the CPU."""
    from torch.distributed.tensor import DTensor

    state = {}
    for name, p in model.named_parameters():
        value = p.full_tensor() if isinstance(p, DTensor) else p
        state[name] = value.detach().cpu().clone()
    return state


def _call(fn: Any, *args: Any) -> dict[str, Any]:
    outcome: dict[str, Any] = {"result": None, "error": None, "not_started": None}
    try:
        outcome["result"] = fn(*args)
    except NotImplementedError as err:
        outcome["not_started"] = (traceback.format_exc(), not_started_site(err))
    except Exception as err:
        outcome["error"] = f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
    return outcome


def _train(model, optimizer, batches) -> None:
    for x, y in batches:
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()


def _in_rank(
    rank: int, world_size: int, impls: dict[str, ImplRef], backend: str, init_method: str
) -> dict[str, Any]:
    """Runs in each spawned rank: the oracle, then the learner's functions, all counted."""
    import torch.distributed as dist
    from torch.distributed.optim import ZeroRedundancyOptimizer
    from torch.distributed.tensor import DTensor
    from torch.nn.parallel import DistributedDataParallel

    device = torch.device("cuda", rank) if backend == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    fns = {name: ref.resolve() for name, ref in impls.items()}
    dist.init_process_group(
        backend, init_method=init_method, rank=rank, world_size=world_size, timeout=GROUP_TIMEOUT
    )
    ids = [device.index] if device.type == "cuda" else None
    gen = torch.Generator().manual_seed(620 + rank)  # each rank its own batches
    batches = [
        (
            torch.randn(4, 8, generator=gen, dtype=torch.float64).to(device),
            torch.randn(4, 8, generator=gen, dtype=torch.float64).to(device),
        )
        for _ in range(STEPS)
    ]
    report: dict[str, Any] = {}

    # the oracle: plain DDP with Adam; and a known wrong variant: ZeRO without DDP
    model = make_model().to(device)
    ddp = DistributedDataParallel(model, device_ids=ids)
    adam = torch.optim.Adam(ddp.parameters(), lr=LR)
    _train(ddp, adam, batches)
    report["ddp"] = _full_state(model)
    report["adam_full"] = _count_state(adam)
    bare = make_model().to(device)
    _train(bare, ZeroRedundancyOptimizer(bare.parameters(), torch.optim.Adam, lr=LR), batches)
    report["zero_without_ddp"] = _full_state(bare)

    # task 1: ZeRO under DDP
    model = make_model().to(device)
    outcome = _call(fns["train_ddp_zero"], model, batches, LR)
    zero = outcome.pop("result")
    outcome.update(
        state=_full_state(model),
        returned=type(zero).__name__,
        is_zero=isinstance(zero, ZeroRedundancyOptimizer),
        count=_count_state(zero) if isinstance(zero, torch.optim.Optimizer) else None,
    )
    report["zero"] = outcome

    # task 2: the learner's count, on optimizers whose count the test knows
    counts: dict[str, Any] = {}
    if isinstance(zero, torch.optim.Optimizer):
        counts["ZeroRedundancyOptimizer(Adam) after training"] = (zero, _count_state(zero))
    counts["torch.optim.Adam after DDP training"] = (adam, report["adam_full"])
    plain = make_model().to(device)
    momentum = torch.optim.SGD(plain.parameters(), lr=0.1, momentum=0.9)
    no_momentum = torch.optim.SGD(plain.parameters(), lr=0.1)
    _train(plain, momentum, batches[:1])
    _train(plain, no_momentum, batches[:1])  # state: momentum_buffer None
    counts["SGD(momentum=0.9) after one step"] = (momentum, _count_state(momentum))
    counts["SGD(momentum=0) after one step (momentum_buffer None)"] = (
        no_momentum,
        _count_state(no_momentum),
    )
    report["counts"] = {}

    # task 3: FSDP2
    model = make_model().to(device)
    outcome = _call(fns["train_fsdp"], model, batches, LR, device.type)
    fsdp = outcome.pop("result")
    outcome.update(
        state=_full_state(model),
        returned=type(fsdp).__name__,
        dtensor_params=all(isinstance(p, DTensor) for p in model.parameters()),
        local_params=sum(
            p.to_local().numel() if isinstance(p, DTensor) else p.numel()
            for p in model.parameters()
        ),
        count=_count_state(fsdp) if isinstance(fsdp, torch.optim.Optimizer) else None,
    )
    outcome["learner_local"] = _call(fns["local_parameter_elements"], model)
    report["fsdp"] = outcome
    if isinstance(fsdp, torch.optim.Optimizer):
        counts["torch.optim.Adam over FSDP2 (DTensor state)"] = (fsdp, _count_state(fsdp))
    report["plain_local"] = _call(fns["local_parameter_elements"], make_model())
    report["plain_local"]["expected"] = PARAMS

    for label, (optimizer, expected) in counts.items():
        report["counts"][label] = {
            **_call(fns["optimizer_state_elements"], optimizer),
            "expected": expected,
        }
    dist.barrier()
    dist.destroy_process_group()
    return report


# ----------------------------------------------------------------------------- in the test


def _setup(device: torch.device) -> tuple[str, int]:
    """(backend, world size): two gloo ranks on the CPU; one nccl rank per GPU on CUDA."""
    if device.type == "cuda":
        return "nccl", min(torch.cuda.device_count(), 2)
    return "gloo", 2


def reports(tmp_path: Path, device: torch.device) -> list[dict[str, Any]]:
    """reports[rank] from one spawned run of the implementation under test (cached)."""
    __tracebackhide__ = True
    backend, world_size = _setup(device)
    impls = {name: kata.ref(name) for name in FUNCTIONS}
    key = (*impls.values(), backend, world_size)
    if key not in _reports:
        try:
            _reports[key] = run_ranks(
                ImplRef(Path(__file__), None, "_in_rank"),
                world_size,
                (impls, backend, file_init_method(tmp_path)),
                tmp_path=tmp_path,
                timeout=150,
                label=f"the kata's checks on {world_size} {backend} rank(s)",
            )
        except RanksFailed as err:
            _reports[key] = err
    result = _reports[key]
    if isinstance(result, BaseException):
        raise result.with_traceback(None)
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


def _equal_states(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return all(torch.allclose(a[k], b[k], **TIGHT) for k in b)


def check_against_ddp(report: dict[str, Any], outcome: dict[str, Any], what: str, hints) -> None:
    __tracebackhide__ = True
    got, want = outcome["state"], report["ddp"]
    if _equal_states(got, want):
        return
    mistake = hints.get("default", "")
    for variant, hint in hints.items():
        if variant in report and _equal_states(got, report[variant]):
            mistake = hint
    for name in want:
        assert_tensor_close(
            got[name],
            want[name],
            what=f"{what}: parameter {name!r} after {STEPS} steps, against plain DDP with Adam",
            mistake=mistake,
            **TIGHT,
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (5-25 s here); the first test pays it
@pytest.mark.timeout(240)
def test_zero_trains_exactly_like_plain_ddp(tmp_path, device):
    rank_reports = reports(tmp_path, device)
    for rank, report in enumerate(rank_reports):
        what = f"rank {rank}: train_ddp_zero(model, {STEPS} batches, lr={LR})"
        check_outcome(report["zero"], what)
        check_against_ddp(
            report,
            report["zero"],
            what,
            {
                "default": "not DDP + ZeroRedundancyOptimizer(optimizer_class=torch.optim.Adam, "
                "lr=lr) with one step per batch on F.mse_loss.",
                "zero_without_ddp": "the model was not wrapped in DistributedDataParallel: "
                "each rank stepped on its own gradients (ZeRO shards the optimizer but does "
                "not average gradients).",
            },
        )


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_zero_rank_holds_its_share_of_adam_state(tmp_path, device):
    rank_reports = reports(tmp_path, device)
    world_size = len(rank_reports)
    counts = []
    for rank, report in enumerate(rank_reports):
        what = f"rank {rank}: train_ddp_zero(model, {STEPS} batches, lr={LR})"
        outcome = report["zero"]
        check_outcome(outcome, what)
        if not outcome["is_zero"]:
            raise AssertionError(
                f"{what} returned {outcome['returned']}, expected the "
                f"ZeroRedundancyOptimizer: each rank then holds "
                f"{outcome['count']} optimizer state elements, the full optimizer state "
                f"({report['adam_full']}) instead of its share. Likely mistake: a plain "
                f"torch.optim.Adam instead of ZeroRedundancyOptimizer(optimizer_class=Adam)."
            )
        counts.append(outcome["count"])
    full = rank_reports[0]["adam_full"]
    expected = {1: full, 2: EXPECTED_2_RANKS["zero_state"]}.get(world_size)
    for rank, count in enumerate(counts):
        if (world_size > 1 and count >= full) or (expected is not None and count != expected):
            raise AssertionError(
                f"rank {rank} holds {count} optimizer state elements after train_ddp_zero, "
                f"expected {expected} of the full Adam state's {full} (ZeRO gives each of "
                f"{world_size} ranks whole parameters: two weights and two biases here). "
                f"Likely mistake: "
                + (
                    "the full optimizer state on every rank."
                    if count >= full
                    else "the optimizer over only some of the parameters, or fewer steps "
                    "taken (Adam's state fills in at the first step)."
                )
            )
    if sum(counts) != full:
        raise AssertionError(
            f"the ranks hold {counts} optimizer state elements, {sum(counts)} together, "
            f"expected the full Adam state's {full} split between them. Likely mistake: "
            f"the ZeroRedundancyOptimizer built over only some of model.parameters()."
        )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_counts_this_ranks_optimizer_state_elements(tmp_path, device):
    for rank, report in enumerate(reports(tmp_path, device)):
        for label, outcome in report["counts"].items():
            what = f"rank {rank}: optimizer_state_elements({label})"
            check_outcome(outcome, what)
            got, want = outcome["result"], outcome["expected"]
            if type(got) is not int:
                raise AssertionError(
                    f"{what} returned {got!r} ({type(got).__name__}), expected the int {want}."
                )
            if got == want:
                continue
            if "ZeroRedundancy" in label and got == 0:
                mistake = (
                    "counting the wrapper's own .state, which ZeroRedundancyOptimizer leaves "
                    "empty: count optimizer.optim.state, the local shard's optimizer."
                )
            elif "FSDP2" in label and got > want:
                mistake = (
                    "counting each DTensor's global size (t.numel()): count its local shard, "
                    "t.to_local().numel()."
                )
            else:
                mistake = (
                    "counting something other than every tensor in optimizer.state (the "
                    "parameters in param_groups, only exp_avg, or no 'step': each step is a "
                    "one-element tensor and counts)."
                )
            raise AssertionError(
                f"{what} returned {got}, expected {want}. Likely mistake: {mistake}"
            )


# ----------------------------------------------------------------------------- task 3


@pytest.mark.task(3)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_fsdp_trains_exactly_like_plain_ddp(tmp_path, device):
    for rank, report in enumerate(reports(tmp_path, device)):
        what = f"rank {rank}: train_fsdp(model, {STEPS} batches, lr={LR})"
        outcome = report["fsdp"]
        check_outcome(outcome, what)
        if outcome["returned"] != "Adam":
            raise AssertionError(
                f"{what} returned {outcome['returned']}, expected the Adam. Likely mistake: "
                f"returning the model (or nothing) instead of the optimizer."
            )
        initial = {n: p.detach().clone() for n, p in make_model().named_parameters()}
        if _equal_states(outcome["state"], initial):
            raise AssertionError(
                f"{what} left the model's weights as they were: the Adam stepped parameters "
                f"the model no longer uses. Likely mistake: the optimizer was built before "
                f"fully_shard, which replaces every parameter; build it after fully_shard."
            )
        check_against_ddp(
            report,
            outcome,
            what,
            {"default": "not fully_shard on every rank, Adam(lr=lr), one step per batch."},
        )


@pytest.mark.task(3)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_fsdp_rank_stores_only_its_shard_of_every_parameter(tmp_path, device):
    rank_reports = reports(tmp_path, device)
    world_size = len(rank_reports)
    for rank, report in enumerate(rank_reports):
        what = f"rank {rank}: train_fsdp(model, {STEPS} batches, lr={LR})"
        outcome = report["fsdp"]
        check_outcome(outcome, what)
        # rows split as torch.chunk does (dim 0 of every parameter)
        expected = sum(
            int(torch.chunk(torch.arange(p.shape[0]), world_size)[rank].numel()) * p[0].numel()
            if rank < len(torch.chunk(torch.arange(p.shape[0]), world_size))
            else 0
            for p in make_model().parameters()
        )
        if world_size == 2:
            assert expected == EXPECTED_2_RANKS["fsdp_params"]
        if not outcome["dtensor_params"] or outcome["local_params"] != expected:
            raise AssertionError(
                f"{what}: this rank stores {outcome['local_params']} parameter elements "
                f"(parameters are DTensors: {outcome['dtensor_params']}), expected "
                f"{expected} of {PARAMS}: every parameter's rows split over {world_size} "
                f"rank(s). Likely mistake: "
                + (
                    "the model was not sharded: fully_shard(layer, mesh=mesh) on each "
                    "nn.Linear, then fully_shard(model, mesh=mesh)."
                    if not outcome["dtensor_params"]
                    else "the parameters are sharded, but not over all the ranks: a mesh of "
                    "another size than the world."
                )
            )
        state = outcome["count"]
        want_state = 2 * expected + 8
        if world_size == 2:
            assert want_state == EXPECTED_2_RANKS["fsdp_state"]
        if state != want_state:
            raise AssertionError(
                f"{what}: the Adam on this rank holds {state} state elements, expected "
                f"{want_state} (exp_avg and exp_avg_sq of its {expected} local elements, "
                f"plus one step per parameter). Likely mistake: the optimizer was built "
                f"before fully_shard, or over other parameters than model.parameters()."
            )


@pytest.mark.task(3)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_local_parameter_elements_counts_the_shard(tmp_path, device):
    for rank, report in enumerate(reports(tmp_path, device)):
        outcome = report["fsdp"]
        check_outcome(outcome, f"rank {rank}: train_fsdp(model, ...)")
        for label, call, want in (
            ("the model after train_fsdp", outcome["learner_local"], outcome["local_params"]),
            ("an unsharded model", report["plain_local"], PARAMS),
        ):
            what = f"rank {rank}: local_parameter_elements({label})"
            check_outcome(call, what)
            got = call["result"]
            if got != want or type(got) is not int:
                hint = (
                    "counting each DTensor's global size (p.numel()): count its local "
                    "shard, p.to_local().numel()."
                    if got == PARAMS
                    else "counting something other than the parameters' elements."
                )
                raise AssertionError(
                    f"{what} returned {got!r}, expected the int {want}. Likely mistake: {hint}"
                )
