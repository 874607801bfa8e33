"""Tests for kata 60: gradients averaged by hand with all_reduce, checked against DDP's.

Every check runs inside spawned ranks (torchkatas.launch), and spawning costs seconds, so
all tests share one run per implementation: each rank runs the three tasks' checks in
turn, with DistributedDataParallel on the same model and data as the oracle, and the
tests read its report.

Inside the ranks a lockstep guard wraps the learner's dist.all_reduce and dist.broadcast:
before each real call the ranks exchange what they are about to reduce. When the calls no
longer pair up (a rank skipped a tensor, or crashed), every rank learns it at once and
the check reports it, instead of a hang, an abort or silently wrong sums.
"""

from __future__ import annotations

import copy
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

TIGHT = {"rtol": 1e-9, "atol": 1e-12}  # float64: a mean over 2 ranks differs only by rounding
FLOAT32 = {"rtol": 1e-5, "atol": 1e-7}
GROUP_TIMEOUT = datetime.timedelta(seconds=30)  # a hang guard; the lockstep guard prevents hangs
STEPS = 4  # training steps in task 3
FUNCTIONS = ("broadcast_parameters", "average_gradients", "train_data_parallel")

_reports: dict[tuple[Any, ...], Any] = {}  # one spawned run per implementation


class Net(nn.Module):
    """The model of tasks 1 and 2: a frozen layer, BatchNorm buffers, an optional head."""

    def __init__(self) -> None:
        super().__init__()
        self.frozen = nn.Linear(5, 5).requires_grad_(False)
        self.body = nn.Linear(5, 6)
        self.norm = nn.BatchNorm1d(6)
        self.head = nn.Linear(6, 2)
        self.aux = nn.Linear(6, 2)  # used only when use_aux: unused on some ranks

    def forward(self, x: torch.Tensor, use_aux: bool = True) -> torch.Tensor:
        hidden = self.norm(torch.tanh(self.body(self.frozen(x))))
        out = self.head(hidden)
        return out + self.aux(hidden) if use_aux else out


def make_mlp() -> nn.Module:
    """The model of task 3: no buffers, every parameter used."""
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 2))


# (name, dtype, which ranks use the aux head): seeds differ per trial
TRIALS = (
    ("float64, every parameter used", torch.float64, "all"),
    ("float64, the aux head used on rank 0 only", torch.float64, "rank 0"),
    ("float32, every parameter used", torch.float32, "all"),
)


# ----------------------------------------------------------------------------- in each rank


class _Mismatch(Exception):
    """The ranks' collective calls no longer pair up (raised inside the learner's call)."""


class _Lockstep:
    """Before each guarded collective, the ranks all_gather a row describing the call.

    A row is [1, kind, dtype, numel, src, *shape] for a call and [0, calls made] when a
    rank's learner function returns (or raises). Rows that differ mean the calls do not
    pair up: every rank sees the same rows, so all of them stop at the same exchange.
    """

    KINDS = ("all_reduce", "broadcast")
    DTYPES = (torch.float64, torch.float32, torch.float16, torch.bfloat16, torch.int64)
    WIDTH = 9

    def __init__(self, device: torch.device) -> None:
        import torch.distributed as dist

        self.device = device
        self.active = False
        self.broken: str | None = None
        self.calls = 0
        self.events: list[str] = []
        self.classify: Any = None  # tensor -> what it is, recorded per guarded call
        self.targets: list[str] = []
        self._all_gather = dist.all_gather

    def install(self) -> None:
        """Wrap all_reduce and broadcast where the implementation can import them from."""
        import torch.distributed as dist
        from torch.distributed import distributed_c10d as c10d

        for kind in self.KINDS:
            real = getattr(c10d, kind)
            spy = self._spy(kind, real)
            for module in (dist, c10d):
                setattr(module, kind, spy)

    def _spy(self, kind: str, real: Any) -> Any:
        def spy(tensor, *args, **kwargs):
            if self.active:
                self.before(kind, tensor, args, kwargs)
            return real(tensor, *args, **kwargs)

        return spy

    def _exchange(self, row: list[int]) -> list[list[int]]:
        import torch.distributed as dist

        mine = torch.tensor(row + [-1] * (self.WIDTH - len(row)), device=self.device)
        rows = [torch.empty_like(mine) for _ in range(dist.get_world_size())]
        self._all_gather(rows, mine)
        return [r.tolist() for r in rows]

    def before(self, kind: str, tensor: Any, args: tuple, kwargs: dict) -> None:
        self.events.append(kind)
        if self.classify is not None:
            self.targets.append(self.classify(tensor))
        if self.broken:
            raise _Mismatch(self.broken)
        if not isinstance(tensor, torch.Tensor):
            return  # the real call raises on it; the other ranks learn at the next exchange
        self.calls += 1
        src = kwargs.get("src", args[0] if args and kind == "broadcast" else -1)
        dtype = self.DTYPES.index(tensor.dtype) if tensor.dtype in self.DTYPES else 99
        row = [1, self.KINDS.index(kind), dtype, tensor.numel(), int(src), *tensor.shape][:9]
        rows = self._exchange(row)
        if any(r != rows[0] for r in rows):
            self.broken = self._describe(rows)
            raise _Mismatch(self.broken)

    def _describe(self, rows: list[list[int]]) -> str:
        def words(row: list[int]) -> str:
            if row[0] == 0:
                return f"had returned after {row[1]} call(s)"
            shape = tuple(d for d in row[5:] if d >= 0)
            dtype = self.DTYPES[row[2]] if row[2] < len(self.DTYPES) else "other dtype"
            what = f"called {self.KINDS[row[1]]} on a {shape} {dtype} tensor"
            return what + (f" from src={row[4]}" if row[1] == 1 else "")

        done = [r[1] for r in rows if r[0] == 0]
        number = min(done) + 1 if done else self.calls
        parts = ", ".join(f"rank {rank} {words(row)}" for rank, row in enumerate(rows))
        return f"collective call {number} did not pair up across the ranks: {parts}"

    def run(self, fn: Any, *args: Any) -> dict[str, Any]:
        """Call the learner's fn under the guard; report its result, error and mismatch."""
        self.active, self.broken, self.calls = True, None, 0
        outcome: dict[str, Any] = {"result": None, "error": None, "not_started": None}
        try:
            outcome["result"] = fn(*args)
        except NotImplementedError as err:
            outcome["not_started"] = (traceback.format_exc(), not_started_site(err))
        except _Mismatch:
            pass
        except Exception as err:
            outcome["error"] = f"{type(err).__name__}: {str(err).rstrip('.')}"
            outcome["traceback"] = traceback.format_exc()
        finally:
            if not self.broken:  # tell the peers this rank is done; they may not be
                rows = self._exchange([0, self.calls])
                if any(r != rows[0] for r in rows):
                    self.broken = self._describe(rows)
            self.active = False
        outcome["mismatch"] = self.broken
        return outcome


def _cpu_state(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def _cpu_grads(module: nn.Module) -> dict[str, torch.Tensor | None]:
    return {
        n: None if p.grad is None else p.grad.detach().cpu().clone()
        for n, p in module.named_parameters()
    }


def _randomize_buffers(model: Net, gen: torch.Generator, device: torch.device) -> None:
    """Distinct running statistics per rank, so a buffer that was not broadcast shows."""
    with torch.no_grad():
        model.norm.running_mean.copy_(torch.randn(6, generator=gen))
        model.norm.running_var.copy_(torch.rand(6, generator=gen) + 0.5)
        model.norm.num_batches_tracked.fill_(int(torch.randint(1, 100, (), generator=gen)))
    model.to(device)


def _check_broadcast(lock, impl, rank, world_size, device, src, seed) -> dict[str, Any]:
    torch.manual_seed(seed + rank)
    model = Net().double()
    _randomize_buffers(model, torch.Generator().manual_seed(seed + rank), device)
    before = _cpu_state(model)
    ids = {n: id(p) for n, p in model.named_parameters()}
    flags = {n: p.requires_grad for n, p in model.named_parameters()}
    outcome = lock.run(impl, model, *(() if src is None else (src,)))
    outcome.update(
        before=before,
        after=_cpu_state(model),
        same_objects=all(id(p) == ids[n] for n, p in model.named_parameters()),
        flags_after={n: p.requires_grad for n, p in model.named_parameters()},
        flags_before=flags,
        grads=_cpu_grads(model),
    )
    return outcome


def _classifier(model: nn.Module) -> Any:
    """tensor -> 'gradient', 'parameter' or 'other', by the storage it lives in."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}

    def classify(tensor: Any) -> str:
        if not isinstance(tensor, torch.Tensor):
            return "other"
        ptr = tensor.untyped_storage().data_ptr()
        grads = {
            p.grad.untyped_storage().data_ptr() for p in model.parameters() if p.grad is not None
        }
        return "gradient" if ptr in grads else "parameter" if ptr in params else "other"

    return classify


def _check_average(lock, impl, rank, world_size, device, trial) -> dict[str, Any]:
    from torch.nn.parallel import DistributedDataParallel

    _, dtype, used_by = TRIALS[trial]
    use_aux = used_by == "all" or rank == 0
    torch.manual_seed(60 + trial)  # the same model on every rank, as after a broadcast
    model = Net().to(device, dtype)
    reference = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(1000 * trial + rank)  # each rank its own batch
    x = torch.randn(7, 5, generator=gen, dtype=dtype).to(device)
    y = torch.randn(7, 2, generator=gen, dtype=dtype).to(device)

    nn.functional.mse_loss(model(x, use_aux), y).backward()
    local = _cpu_grads(model)
    params_before = _cpu_state(model)
    lock.classify, lock.targets = _classifier(model), []
    outcome = lock.run(impl, model)
    lock.classify = None

    ddp = DistributedDataParallel(
        reference,
        device_ids=[device.index] if device.type == "cuda" else None,
        find_unused_parameters=used_by != "all",
    )
    nn.functional.mse_loss(ddp(x, use_aux), y).backward()
    outcome.update(
        local=local,
        grads=_cpu_grads(model),
        ddp=_cpu_grads(reference),
        params_before=params_before,
        params_after=_cpu_state(model),
        none_here=[n for n, g in local.items() if g is None],
        reduced=list(lock.targets),
    )
    return outcome


def _check_training(lock, impl, rank, world_size, device) -> dict[str, Any]:
    from torch.nn.parallel import DistributedDataParallel

    torch.manual_seed(600 + rank)  # every rank builds a different model: rank 0's must win
    model = make_mlp().double().to(device)
    initial = _cpu_state(model)
    reference = copy.deepcopy(model)
    gen = torch.Generator().manual_seed(700 + rank)
    batches = [
        (
            torch.randn(6, 5, generator=gen, dtype=torch.float64).to(device),
            torch.randn(6, 2, generator=gen, dtype=torch.float64).to(device),
        )
        for _ in range(STEPS)
    ]
    # Adam is not linear in the gradient: averaging weights after local steps differs
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    starts: list[dict[str, torch.Tensor]] = []

    def before_step(opt, args, kwargs):
        lock.events.append("step")
        starts.append(_cpu_state(model))

    optimizer.register_step_pre_hook(before_step)
    handles = [
        p.register_post_accumulate_grad_hook(lambda p: lock.events.append("backward"))
        for p in model.parameters()
    ]
    lock.events.clear()
    outcome = lock.run(impl, model, optimizer, nn.functional.mse_loss, batches)
    events = list(lock.events)
    for handle in handles:
        handle.remove()

    ddp = DistributedDataParallel(
        reference, device_ids=[device.index] if device.type == "cuda" else None
    )
    ddp_optimizer = torch.optim.Adam(ddp.parameters(), lr=0.05)
    ddp_losses = []
    for x, y in batches:
        ddp_optimizer.zero_grad()
        loss = nn.functional.mse_loss(ddp(x), y)
        loss.backward()
        ddp_optimizer.step()
        ddp_losses.append(loss.item())
    outcome.update(
        initial=initial,
        first_start=starts[0] if starts else None,
        final=_cpu_state(model),
        events=events,
        ddp_final=_cpu_state(reference),
        ddp_losses=ddp_losses,
    )
    return outcome


def _in_rank(
    rank: int, world_size: int, impls: dict[str, ImplRef], backend: str, init_method: str
) -> dict[str, Any]:
    """Runs in each spawned rank: every check of every task, in the same order on all ranks."""
    import torch.distributed as dist

    device = torch.device("cuda", rank) if backend == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    lock = _Lockstep(device)
    lock.install()  # before the implementation is loaded, so `from ... import` sees the spies
    fns = {name: ref.resolve() for name, ref in impls.items()}
    dist.init_process_group(
        backend, init_method=init_method, rank=rank, world_size=world_size, timeout=GROUP_TIMEOUT
    )
    report: dict[str, Any] = {"broadcast": {}, "average": [], "training": None}
    bcast = fns["broadcast_parameters"]
    report["broadcast"]["default"] = _check_broadcast(
        lock, bcast, rank, world_size, device, None, 100
    )
    if world_size > 1:
        report["broadcast"]["src=1"] = _check_broadcast(
            lock, bcast, rank, world_size, device, 1, 200
        )
    for trial in range(len(TRIALS)):
        report["average"].append(
            _check_average(lock, fns["average_gradients"], rank, world_size, device, trial)
        )
    report["training"] = _check_training(lock, fns["train_data_parallel"], rank, world_size, device)
    dist.barrier()
    dist.destroy_process_group()
    return report


# ----------------------------------------------------------------------------- in the test


def _setup(device: torch.device) -> tuple[str, int]:
    """(backend, world size): two gloo ranks on the CPU; one nccl rank per GPU on CUDA."""
    return ("nccl", 1) if device.type == "cuda" else ("gloo", 2)


def reports(tmp_path: Path, backend: str, world_size: int) -> list[dict[str, Any]]:
    """reports[rank] from one spawned run of the implementation under test (cached)."""
    __tracebackhide__ = True
    impls = {name: kata.ref(name) for name in FUNCTIONS}
    key = (*impls.values(), backend, world_size)
    if key not in _reports:
        try:
            _reports[key] = run_ranks(
                ImplRef(Path(__file__), None, "_in_rank"),
                world_size,
                (impls, backend, file_init_method(tmp_path)),
                tmp_path=tmp_path,
                timeout=120,
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


def check_outcomes(
    outcomes: list[dict[str, Any]], what: list[str], crash_hint: str = "", pair_hint: str = ""
) -> None:
    """Fail on any rank's 'not started', then any crash, then collectives that did not pair.

    A crash on one rank makes its peers' next collective fail to pair up, so the crash is
    reported first: it is the cause.
    """
    __tracebackhide__ = True
    for rank, outcome in enumerate(outcomes):
        if outcome["not_started"]:
            raise_not_started(outcome["not_started"], what[rank])
    for rank, outcome in enumerate(outcomes):
        if outcome["error"]:
            raise AssertionError(
                f"{what[rank]} raised {outcome['error']}. {crash_hint}\n"
                f"{outcome.get('traceback', '')}".rstrip()
            )
    for rank, outcome in enumerate(outcomes):
        if outcome["mismatch"]:
            raise AssertionError(
                f"{what[rank]}: {outcome['mismatch']}. Every rank must make the same "
                f"collective calls on the same tensors in the same order. {pair_hint}".rstrip()
            )


def _close(a: torch.Tensor | None, b: torch.Tensor | None, tol: dict[str, float]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return a.shape == b.shape and torch.allclose(a.double(), b.double(), **tol)


# ----------------------------------------------------------------------------- task 1


def broadcast_report(tmp_path, device, which: str) -> list[dict[str, Any]]:
    __tracebackhide__ = True
    backend, world_size = _setup(device)
    return [r["broadcast"][which] for r in reports(tmp_path, backend, world_size)]


BUFFERS = ("norm.running_mean", "norm.running_var", "norm.num_batches_tracked")


def check_broadcast_state(outcomes: list[dict[str, Any]], src: int, what: str) -> None:
    __tracebackhide__ = True
    whats = [f"rank {rank}: {what}" for rank in range(len(outcomes))]
    check_outcomes(outcomes, whats)
    expected = outcomes[src]["before"]
    for rank, outcome in enumerate(outcomes):
        for name, want in expected.items():
            got = outcome["after"][name]
            if torch.equal(got, want):
                continue
            if name in BUFFERS:
                mistake = (
                    f"the buffer {name!r} was not broadcast: walk module.buffers() too "
                    f"(BatchNorm's running statistics are part of the model's state)."
                )
            elif name.startswith("frozen."):
                mistake = (
                    "the frozen parameter (requires_grad=False) was skipped: broadcast every "
                    "parameter, trainable or not."
                )
            elif torch.equal(got, outcome["before"][name]):
                mistake = (
                    "nothing arrived: the broadcast went into a copy (p.clone(), "
                    "p.detach().clone()), not into the parameter itself."
                )
            else:
                mistake = "a wrong src, or the tensors broadcast in a different order."
            assert_tensor_close(
                got,
                want,
                what=f"{whats[rank]}: {name!r} against rank {src}'s value before the call",
                mistake=mistake,
            )


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_every_rank_ends_with_rank_0s_parameters_and_buffers(tmp_path, device):
    outcomes = broadcast_report(tmp_path, device, "default")
    check_broadcast_state(outcomes, 0, "broadcast_parameters(model) on a Net with BatchNorm")


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_broadcasts_from_the_src_rank(tmp_path, device):
    if _setup(device)[1] < 2:
        pytest.skip("src=1 needs two ranks")
    outcomes = broadcast_report(tmp_path, device, "src=1")
    check_broadcast_state(outcomes, 1, "broadcast_parameters(model, src=1)")


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_keeps_the_parameter_objects_flags_and_gradients(tmp_path, device):
    outcomes = broadcast_report(tmp_path, device, "default")
    whats = [f"rank {rank}: broadcast_parameters(model)" for rank in range(len(outcomes))]
    check_outcomes(outcomes, whats)
    for what, outcome in zip(whats, outcomes, strict=True):
        if not outcome["same_objects"]:
            raise AssertionError(
                f"{what} replaced the module's Parameter objects: an optimizer built on "
                f"model.parameters() before the call still holds the old ones and would "
                f"train them. Write into each parameter in place (dist.broadcast(p, src) "
                f"under torch.no_grad())."
            )
        if outcome["flags_after"] != outcome["flags_before"]:
            raise AssertionError(
                f"{what} changed requires_grad flags: {outcome['flags_before']} became "
                f"{outcome['flags_after']}. The caller's flags must stay as they were. Likely "
                f"mistake: requires_grad_(False) to write into the parameters, not restored "
                f"(write under torch.no_grad() instead)."
            )
        made = [n for n, g in outcome["grads"].items() if g is not None]
        if made:
            raise AssertionError(
                f"{what} gave gradients to {made}: broadcasting the state must not touch .grad. "
                f"Likely mistake: a backward() in broadcast_parameters, or .grad filled with "
                f"zeros there."
            )


# ----------------------------------------------------------------------------- task 2


def average_reports(tmp_path, device, trial: int) -> list[dict[str, Any]]:
    __tracebackhide__ = True
    backend, world_size = _setup(device)
    return [r["average"][trial] for r in reports(tmp_path, backend, world_size)]


def check_against_ddp(outcomes: list[dict[str, Any]], trial: int) -> None:
    """Every rank's averaged .grad equals DDP's, and the parameters are untouched."""
    __tracebackhide__ = True
    name, dtype, _ = TRIALS[trial]
    tol = TIGHT if dtype == torch.float64 else FLOAT32
    world_size = len(outcomes)
    whats = [
        f"rank {rank}: average_gradients(model) on {world_size} rank(s), {name}"
        for rank in range(world_size)
    ]
    unused = {
        rank: [n for n in o["none_here"] if not n.startswith("frozen.")]
        for rank, o in enumerate(outcomes)
    }
    where = "; ".join(
        f"on rank {r}, {names} have .grad None" for r, names in unused.items() if names
    )
    crash_hint = pair_hint = ""
    errors = " ".join(str(o["error"]) for o in outcomes if o["error"])
    if where and "None" in errors:  # the error itself is about a None
        crash_hint = (
            f"Likely mistake: it crashed on a parameter whose .grad is None ({where}: "
            f"unused in that rank's loss). Such a parameter takes part as zeros "
            f"(p.grad = torch.zeros_like(p))."
        )
    elif where:
        crash_hint = (
            f"Note: {where} (unused in that rank's loss); if the error comes from such a "
            f"parameter, it takes part as zeros (p.grad = torch.zeros_like(p))."
        )
    if where:
        pair_hint = (
            f"Likely mistake: a parameter whose .grad is None was skipped ({where}: unused in "
            f"that rank's loss). It cannot be skipped, since the peers reduce it; it takes part "
            f"as zeros (p.grad = torch.zeros_like(p))."
        )
    check_outcomes(outcomes, whats, crash_hint, pair_hint)
    for what, outcome in zip(whats, outcomes, strict=True):
        reduced = set(outcome["reduced"])
        changed = [
            k
            for k, v in outcome["params_before"].items()
            if not torch.equal(v, outcome["params_after"][k])
        ]
        for pname, want in outcome["ddp"].items():
            got, local = outcome["grads"][pname], outcome["local"][pname]
            if want is None:
                if got is not None:
                    raise AssertionError(
                        f"{what}: {pname!r} has requires_grad=False and should keep .grad "
                        f"None (as under DDP), but got a gradient of shape "
                        f"{tuple(got.shape)}. Likely mistake: filling missing gradients "
                        f"with zeros for parameters that do not require grad."
                    )
                continue
            if got is None:
                raise AssertionError(
                    f"{what}: {pname!r} ended with .grad None, expected the mean of the "
                    f"ranks' gradients (as under DDP). "
                    + (
                        pair_hint
                        or "Likely mistake: .grad reset (zero_grad(set_to_none=True), "
                        "p.grad = None) after the reduction."
                    )
                )
            if _close(got, want, tol):
                continue
            if world_size > 1 and _close(got, want * world_size, tol):
                mistake = (
                    f"the gradients were summed, not averaged: divide by "
                    f"dist.get_world_size() ({world_size}) after the SUM."
                )
            elif "parameter" in reduced and (local is None or _close(got, local, tol)):
                mistake = (
                    "the parameters instead of the gradients were averaged (all_reduce was "
                    "given the parameters' storage): all_reduce p.grad, not p or p.data."
                )
            elif local is not None and _close(got, local, tol):
                mistake = (
                    "p.grad was left as it was: the all_reduce went to a copy (p.grad.clone(), "
                    "a flattened buffer never copied back), not in place on p.grad."
                )
            else:
                mistake = "a wrong reduction (op, divisor), or the tensors reduced out of order."
            assert_tensor_close(
                got,
                want,
                what=f"{what}: .grad of {pname!r} against DDP's",
                mistake=mistake,
                **tol,
            )
        if changed:
            raise AssertionError(
                f"{what} changed the parameters {changed}: average_gradients averages the "
                f"gradients only; optimizer.step() changes the parameters."
            )


@pytest.mark.task(2)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_averaged_gradients_equal_ddps(tmp_path, device):
    check_against_ddp(average_reports(tmp_path, device, 0), 0)


@pytest.mark.task(2)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_float32_gradients_equal_ddps(tmp_path, device):
    check_against_ddp(average_reports(tmp_path, device, 2), 2)


@pytest.mark.task(2)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_a_parameter_unused_on_one_rank_takes_part_as_zeros(tmp_path, device):
    if _setup(device)[1] < 2:
        pytest.skip("a parameter unused on one rank only needs two ranks")
    check_against_ddp(average_reports(tmp_path, device, 1), 1)


# ----------------------------------------------------------------------------- task 3


def _steps(events: list[str]) -> list[list[str]]:
    """The event log cut after each 'step', repeats collapsed: [[backward, all_reduce, step]]."""
    steps: list[list[str]] = [[]]
    for event in events:
        if not steps[-1] or steps[-1][-1] != event:
            steps[-1].append(event)
        if event == "step":
            steps.append([])
    return [s for s in steps if s]


def training_reports(tmp_path, device) -> tuple[list[dict[str, Any]], list[str]]:
    __tracebackhide__ = True
    backend, world_size = _setup(device)
    outcomes = [r["training"] for r in reports(tmp_path, backend, world_size)]
    whats = [
        f"rank {rank}: train_data_parallel(model, Adam, mse_loss, {STEPS} batches of (6, 5)) "
        f"on {world_size} rank(s)"
        for rank in range(world_size)
    ]
    check_outcomes(outcomes, whats)
    return outcomes, whats


def check_training(outcomes: list[dict[str, Any]], whats: list[str]) -> None:
    """The order of the calls, the start from rank 0's weights, then DDP's end weights."""
    __tracebackhide__ = True
    for what, outcome in zip(whats, outcomes, strict=True):
        steps = _steps(outcome["events"])
        shown = " | ".join(", ".join(s) for s in steps)
        if steps and "all_reduce" not in steps[0] and any("all_reduce" in s for s in steps):
            raise AssertionError(
                f"{what}: the gradients were averaged after optimizer.step() (calls seen, "
                f"steps split by '|': {shown}): each step used this rank's own gradients. "
                f"Call average_gradients(model) between loss.backward() and optimizer.step()."
            )
        for i, step in enumerate(steps):
            if "backward" in step and "all_reduce" in step:
                if step.index("all_reduce") < step.index("backward"):
                    raise AssertionError(
                        f"{what}: in step {i + 1} the gradients were averaged before "
                        f"loss.backward() (calls seen, steps split by '|': {shown}): there "
                        f"is nothing to average yet, and the step uses this rank's own "
                        f"gradients. Call average_gradients(model) after loss.backward()."
                    )
    rank0_initial = outcomes[0]["initial"]
    for what, outcome in zip(whats, outcomes, strict=True):
        start = outcome["first_start"]
        if start is not None and not all(
            torch.equal(start[k], rank0_initial[k]) for k in rank0_initial
        ):
            raise AssertionError(
                f"{what}: the first optimizer.step() started from weights that are not "
                f"rank 0's initial weights (each rank built its own model with its own "
                f"seed). Call broadcast_parameters(model, 0) once before training, as DDP "
                f"does when it wraps the model."
            )
    for what, outcome in zip(whats, outcomes, strict=True):
        for name, want in outcome["ddp_final"].items():
            assert_tensor_close(
                outcome["final"][name],
                want,
                what=f"{what}: parameter {name!r} after training, against DDP's",
                mistake="a step that is not zero_grad, forward, loss, backward, "
                "average_gradients, step (in that order), or an optimizer other than the "
                "one passed in.",
                **TIGHT,
            )


@pytest.mark.task(3)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_training_equals_ddp_from_rank_0s_start(tmp_path, device):
    check_training(*training_reports(tmp_path, device))


@pytest.mark.task(3)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_returns_each_steps_local_loss(tmp_path, device):
    outcomes, whats = training_reports(tmp_path, device)
    for what, outcome in zip(whats, outcomes, strict=True):
        losses = outcome["result"]
        if not isinstance(losses, list) or not all(type(v) is float for v in losses):
            shown = [type(v).__name__ for v in losses] if isinstance(losses, list) else losses
            raise AssertionError(
                f"{what} returned {shown!r}, expected a list of {STEPS} Python floats "
                f"(loss.item() each step)."
            )
        if len(losses) != STEPS:
            raise AssertionError(
                f"{what} returned {len(losses)} losses, expected {STEPS}, one per batch. Likely "
                f"mistake: a loss recorded only some steps (or twice per step)."
            )
        assert_tensor_close(
            torch.tensor(losses, dtype=torch.float64),
            torch.tensor(outcome["ddp_losses"], dtype=torch.float64),
            what=f"{what}: the returned losses against DDP's on this rank's batches",
            mistake="losses averaged over the ranks (they are this rank's own), or "
            "recorded after the step.",
            **TIGHT,
        )


@pytest.mark.task(3)
@pytest.mark.cuda
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_two_nccl_ranks_equal_ddp(tmp_path, device):
    if torch.cuda.device_count() < 2:
        pytest.skip(f"needs two GPUs for two nccl ranks, found {torch.cuda.device_count()}")
    rank_reports = reports(tmp_path, "nccl", 2)
    check_broadcast_state([r["broadcast"]["src=1"] for r in rank_reports], 1, "src=1 on nccl")
    for trial in range(len(TRIALS)):
        check_against_ddp([r["average"][trial] for r in rank_reports], trial)
    outcomes = [r["training"] for r in rank_reports]
    whats = [f"rank {rank}: train_data_parallel on 2 nccl ranks" for rank in range(2)]
    check_outcomes(outcomes, whats)
    check_training(outcomes, whats)
