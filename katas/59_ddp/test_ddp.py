"""Tests for kata 59: DDP training, checked against one process training on the union of batches.

The ranks run in spawned processes (torchkatas.launch). Spawning costs seconds, so the
task 1 and 2 tests share one run per implementation: every rank calls train_ddp twice
(the second call proves the first left the process group destroyed), with spies on
init_process_group, barrier and destroy_process_group, and the tests read its report.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DistributedSampler, TensorDataset

from torchkatas.harness import ImplRef, assert_raises, assert_tensor_close, load_kata
from torchkatas.launch import (
    RanksFailed,
    file_init_method,
    run_ranks,
    run_torchrun,
    run_torchrun_nodes,
)

kata = load_kata(__file__)

N_SAMPLES = 21  # not a multiple of 2 ranks x batch: DistributedSampler pads, last batch short
RUNS = (  # the two calls every rank makes, in order
    {"data_seed": 1, "kwargs": {"epochs": 1, "batch_size": 4, "lr": 0.1, "seed": 3}},
    {
        "data_seed": 2,
        "kwargs": {"epochs": 2, "batch_size": 3, "lr": 0.2, "seed": 7, "shuffle": True},
    },
)
MAX_TIMEOUT_S = 300  # "short": minutes at most, not gloo's default 30
TIGHT = {"rtol": 1e-9, "atol": 1e-12}  # float64: DDP's average differs only by rounding

_reports: dict[tuple[Any, ...], Any] = {}  # one spawned run per implementation


def make_dataset(seed: int, n: int = N_SAMPLES) -> TensorDataset:
    """n random (x, y) pairs, x of shape (5,) and y of shape (2,), float64."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 5, generator=gen, dtype=torch.float64)
    y = torch.randn(n, 2, generator=gen, dtype=torch.float64)
    return TensorDataset(x, y)


def make_model() -> nn.Module:
    """A float64 MLP with a buffer too: a state dict holds buffers, named_parameters() not."""
    model = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 2))
    model.register_buffer("output_scale", torch.ones(2))  # unused in forward: stays ones
    return model.double()


def reference_weights(
    dataset: TensorDataset,
    world_size: int,
    model_fn=make_model,
    *,
    epochs: int = 1,
    batch_size: int = 4,
    lr: float = 0.1,
    seed: int = 0,
    shuffle: bool = False,
    mistake: str = "",
) -> dict[str, torch.Tensor]:
    """One process, one SGD step per DDP step, on the union of the ranks' batches.

    The ranks' batches come from the same DistributedSampler(num_replicas, rank) orders
    the ranks use. DistributedSampler pads every rank to the same number of samples, so
    the ranks' batches at a step have equal sizes and DDP's average of the per-rank mean
    gradients is the mean gradient over the union. `mistake` trains a known wrong variant
    instead, to name what went wrong: "no set_epoch", "same samples", "summed loss".
    """
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = model_fn()
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    x_all, y_all = dataset.tensors
    for epoch in range(epochs):
        batches = []  # per rank: a list of index lists
        for rank in range(world_size):
            if mistake == "same samples":  # every rank walks the whole dataset
                sampler = DistributedSampler(dataset, 1, 0, shuffle=shuffle, seed=seed)
            else:
                sampler = DistributedSampler(dataset, world_size, rank, shuffle=shuffle, seed=seed)
            if mistake != "no set_epoch":
                sampler.set_epoch(epoch)
            order = list(sampler)
            batches.append([order[i : i + batch_size] for i in range(0, len(order), batch_size)])
        for step in zip(*batches, strict=True):
            union = [i for batch in step for i in batch]
            prediction = model(x_all[union])
            if mistake == "summed loss":  # each rank sums; DDP divides by world_size
                loss = F.mse_loss(prediction, y_all[union], reduction="sum") / world_size
            else:
                loss = F.mse_loss(prediction, y_all[union])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return {name: t.detach().clone() for name, t in model.state_dict().items()}


# ----------------------------------------------------------------------------- in each rank


def _spy_on_process_group(events: list[str], inits: list[dict[str, Any]]) -> None:
    """Record init_process_group's arguments and barrier / destroy calls, then pass them on."""
    import torch.distributed as dist
    from torch.distributed import distributed_c10d as c10d

    real_init, real_barrier, real_destroy = (
        c10d.init_process_group,
        c10d.barrier,
        c10d.destroy_process_group,
    )
    init_signature = inspect.signature(real_init)

    def init_process_group(*args, **kwargs):
        bound = init_signature.bind(*args, **kwargs)
        timeout = bound.arguments.get("timeout")
        inits.append(
            {
                "backend": bound.arguments.get("backend"),
                "init_method": bound.arguments.get("init_method"),
                "rank": bound.arguments.get("rank", -1),
                "world_size": bound.arguments.get("world_size", -1),
                "timeout_s": None if timeout is None else timeout.total_seconds(),
            }
        )
        events.append("init")
        return real_init(*args, **kwargs)

    def barrier(*args, **kwargs):
        events.append("barrier")
        return real_barrier(*args, **kwargs)

    def destroy_process_group(*args, **kwargs):
        events.append("destroy")
        return real_destroy(*args, **kwargs)

    for module in (dist, c10d):  # before the implementation is loaded: `from ... import` too
        module.init_process_group = init_process_group
        module.barrier = barrier
        module.destroy_process_group = destroy_process_group


def _train_in_rank(
    rank: int, world_size: int, impl: ImplRef, backend: str, runs: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Runs in each spawned rank: train_ddp once per run; report what it returned and did."""
    import torch.distributed as dist

    events: list[str] = []
    inits: list[dict[str, Any]] = []
    _spy_on_process_group(events, inits)
    train_ddp = impl.resolve()
    reports = []
    for run in runs:
        events.clear()
        inits.clear()
        models: list[nn.Module] = []

        def model_fn(models=models):
            model = make_model()
            model.register_forward_hook(lambda *_: events.append("forward"))
            models.append(model)
            return model

        dataset = make_dataset(run["data_seed"])
        originals = [(t.clone(), t.requires_grad) for t in dataset.tensors]
        state = train_ddp(
            rank, world_size, backend, run["init_method"], dataset, model_fn, **run["kwargs"]
        )
        dataset_changes = [
            f"dataset.tensors[{j}]"
            + (" (its values)" if not torch.equal(t, old) else " (its requires_grad)")
            for j, (t, (old, grad)) in enumerate(zip(dataset.tensors, originals, strict=False))
            if not torch.equal(t, old) or t.requires_grad != grad
        ]
        if len(dataset.tensors) != len(originals):
            dataset_changes.append(f"the number of tensors ({len(dataset.tensors)})")
        initialized = dist.is_initialized()
        if initialized:  # tidy up for the next run; the tests report it
            dist.barrier()
            dist.destroy_process_group()
        live = {t.untyped_storage().data_ptr() for m in models for t in m.state_dict().values()}
        shared = isinstance(state, dict) and any(
            isinstance(t, torch.Tensor) and t.untyped_storage().data_ptr() in live
            for t in state.values()
        )
        reports.append(
            {
                "state": state,
                "init_method": run["init_method"],
                "initialized_after": initialized,
                "events": list(events),
                "inits": list(inits),
                "shares_storage": shared,
                "models_built": len(models),
                "dataset_changes": dataset_changes,
            }
        )
    return reports


# ----------------------------------------------------------------------------- in the test


def _setup(device: torch.device) -> tuple[str, int]:
    """(backend, world size): two gloo ranks on the CPU; one nccl rank per GPU on CUDA."""
    return ("nccl", 1) if device.type == "cuda" else ("gloo", 2)


def ddp_reports(tmp_path: Path, backend: str, world_size: int) -> list[list[dict[str, Any]]]:
    """reports[rank][run] from one spawned run of the implementation under test (cached)."""
    __tracebackhide__ = True
    impl = kata.ref("train_ddp")
    key = (impl, backend, world_size)
    if key not in _reports:
        runs = [{**run, "init_method": file_init_method(tmp_path)} for run in RUNS]
        target = ImplRef(Path(__file__), None, "_train_in_rank")
        try:
            _reports[key] = run_ranks(
                target,
                world_size,
                (impl, backend, runs),
                tmp_path=tmp_path,
                timeout=90,
                label=f"train_ddp(rank, {world_size}, {backend!r}, ...)",
            )
        except (RanksFailed, NotImplementedError) as err:
            _reports[key] = err
    result = _reports[key]
    if isinstance(result, BaseException):
        raise result.with_traceback(None)
    return result


def describe_run(i: int, world_size: int, backend: str) -> str:
    kwargs = ", ".join(f"{k}={v}" for k, v in RUNS[i]["kwargs"].items())
    return (
        f"train_ddp(rank, {world_size}, {backend!r}, init_method, dataset of {N_SAMPLES}, "
        f"model_fn, {kwargs})"
    )


def check_state_dict(state: Any, what: str) -> None:
    __tracebackhide__ = True
    expected = list(make_model().state_dict())
    if not isinstance(state, dict):
        raise AssertionError(
            f"{what} returned {type(state).__name__}, expected a state dict "
            f"(dict of name -> tensor). Likely mistake: "
            + (
                "returning the model itself."
                if isinstance(state, nn.Module)
                else "returning the parameters (a list or generator) or nothing."
            )
        )
    keys = list(state)
    if any(str(k).startswith("module.") for k in keys):
        raise AssertionError(
            f"{what} returned keys {keys}, expected {expected}: the keys start with "
            f"'module.', the DDP wrapper's prefix. Return the unwrapped model's state dict: "
            f"ddp_model.module.state_dict()."
        )
    if sorted(keys) != sorted(expected):
        buffers = sorted(name for name, _ in make_model().named_buffers())
        missing = sorted(set(expected) - set(keys))
        hint = (
            " Likely mistake: the parameters only (named_parameters() or parameters()); a "
            "state dict holds the buffers too: use model.state_dict()."
            if missing and missing == buffers
            else " Likely mistake: the state dict of another module than model_fn()'s, or "
            "keys renamed."
        )
        raise AssertionError(
            f"{what} returned keys {keys}, expected those of model_fn(): {expected}." + hint
        )
    for name, t in state.items():
        if not isinstance(t, torch.Tensor) or t.device.type != "cpu":
            where = t.device if isinstance(t, torch.Tensor) else type(t).__name__
            raise AssertionError(
                f"{what}: state[{name!r}] is on {where}, expected a CPU tensor. Likely "
                f"mistake: no .cpu() on the returned tensors."
            )


def check_weights(
    got: dict[str, torch.Tensor], dataset: TensorDataset, world_size: int, what: str, **kwargs
) -> None:
    """Fail unless `got` equals reference_weights; name the mistake a wrong variant matches."""
    __tracebackhide__ = True
    expected = reference_weights(dataset, world_size, **kwargs)
    if all(torch.allclose(got[k], expected[k], **TIGHT) for k in expected):
        return
    hints = {
        "no set_epoch": "every epoch repeated the first epoch's order: call "
        "sampler.set_epoch(epoch) at the start of each epoch.",
        "same samples": "every rank trained on the same samples: shard the data with "
        "DistributedSampler(dataset, num_replicas=world_size, rank=rank) as the "
        "DataLoader's sampler.",
        "summed loss": "the loss was summed, not averaged: use nn.MSELoss() (reduction='mean').",
    }
    mistake = (
        "a different model start (seed), learning rate, batch size, loss or optimizer, or "
        "a data order that is not the DistributedSampler's."
    )
    for variant, hint in hints.items():
        if world_size == 1 and variant == "same samples":
            continue
        alternative = reference_weights(dataset, world_size, mistake=variant, **kwargs)
        if all(torch.allclose(got[k], alternative[k], **TIGHT) for k in alternative):
            mistake = hint
            break
    for name in expected:
        assert_tensor_close(
            got[name],
            expected[name],
            what=f"{what}: parameter {name!r} against one process training on the union "
            f"of the ranks' batches",
            mistake=mistake,
            **TIGHT,
        )


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.timeout(150)
def test_joins_the_group_as_told_with_a_short_timeout(tmp_path, device):
    backend, world_size = _setup(device)
    reports = ddp_reports(tmp_path, backend, world_size)
    for rank, runs in enumerate(reports):
        for i, report in enumerate(runs):
            what = f"rank {rank}: {describe_run(i, world_size, backend)}"
            inits = report["inits"]
            if len(inits) != 1:
                raise AssertionError(
                    f"{what} called dist.init_process_group {len(inits)} times, expected "
                    f"once per call. Likely mistake: "
                    + (
                        "no init_process_group (a group made elsewhere, or none)."
                        if not inits
                        else "init_process_group inside a loop, or once more for a check."
                    )
                )
            got = inits[0]
            expected = {"backend": backend, "rank": rank, "world_size": world_size}
            for field, value in expected.items():
                if got[field] != value:
                    raise AssertionError(
                        f"{what} called init_process_group with {field}={got[field]!r}, "
                        f"expected {value!r}. Likely mistake: not passing the arguments on."
                    )
            if got["init_method"] != report["init_method"]:
                raise AssertionError(
                    f"{what} called init_process_group with init_method="
                    f"{got['init_method']!r}, expected the one it was given: "
                    f"{report['init_method']!r}. Likely mistake: a fixed init_method "
                    f"('env://' or a tcp:// address) instead of the argument."
                )
            limit = got["timeout_s"]
            if limit is None or limit > MAX_TIMEOUT_S:
                shown = "no timeout=" if limit is None else f"timeout={limit:g} s"
                raise AssertionError(
                    f"{what} called init_process_group with {shown}: with gloo's default "
                    f"timeout of 30 minutes, a rank whose peers never arrive hangs for half "
                    f"an hour. Pass a short timeout (at most {MAX_TIMEOUT_S} s), e.g. "
                    f"timeout=datetime.timedelta(seconds=60)."
                )


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.timeout(150)
def test_returns_the_unwrapped_state_dict_on_the_cpu(tmp_path, device):
    backend, world_size = _setup(device)
    reports = ddp_reports(tmp_path, backend, world_size)
    for rank, runs in enumerate(reports):
        for i, report in enumerate(runs):
            what = f"rank {rank}: {describe_run(i, world_size, backend)}"
            check_state_dict(report["state"], what)
            if report["models_built"] != 1:
                raise AssertionError(
                    f"{what} called model_fn() {report['models_built']} times, expected once. "
                    f"Likely mistake: a second model built (for the result, or a copy to "
                    f"compare) instead of returning the trained one's state."
                )
            if report["shares_storage"]:
                raise AssertionError(
                    f"{what} returned tensors that share memory with the trained model's "
                    f"parameters: clone them (t.detach().cpu().clone()), so later changes "
                    f"to the model cannot reach the caller's copy."
                )


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.timeout(150)
def test_leaves_the_callers_dataset_untouched(tmp_path, device):
    backend, world_size = _setup(device)
    reports = ddp_reports(tmp_path, backend, world_size)
    for rank, runs in enumerate(reports):
        for i, report in enumerate(runs):
            if report["dataset_changes"]:
                raise AssertionError(
                    f"rank {rank}: {describe_run(i, world_size, backend)} changed the "
                    f"caller's dataset: {', '.join(report['dataset_changes'])} differ after the "
                    f"call. The dataset belongs to the caller (every rank holds a full copy and "
                    f"may reuse it): read batches from the DataLoader and leave its tensors "
                    f"alone, no in-place normalising (x.sub_, x.div_) or requires_grad_()."
                )


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.timeout(150)
def test_all_ranks_end_with_identical_parameters(tmp_path, device):
    backend, world_size = _setup(device)
    reports = ddp_reports(tmp_path, backend, world_size)
    for i in range(len(RUNS)):
        first = reports[0][i]["state"]
        check_state_dict(first, f"rank 0: {describe_run(i, world_size, backend)}")
        for rank in range(1, world_size):
            state = reports[rank][i]["state"]
            what = f"rank {rank}: {describe_run(i, world_size, backend)}"
            check_state_dict(state, what)
            for name in first:
                if not torch.allclose(state[name], first[name], **TIGHT):
                    raise AssertionError(
                        f"{what}: rank {rank} ended with different parameters from rank 0 "
                        f"({name!r} differs by up to "
                        f"{(state[name] - first[name]).abs().max().item():.3g}). Likely "
                        f"mistake: the model is not wrapped in DistributedDataParallel (or "
                        f"is trained outside the wrapper), so the ranks never average "
                        f"their gradients."
                    )


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.timeout(150)
def test_equals_one_process_training_on_the_union_of_batches(tmp_path, device):
    backend, world_size = _setup(device)
    reports = ddp_reports(tmp_path, backend, world_size)
    run = RUNS[0]  # no shuffle, one epoch
    for rank in range(world_size):
        what = f"rank {rank}: {describe_run(0, world_size, backend)}"
        state = reports[rank][0]["state"]
        check_state_dict(state, what)
        check_weights(state, make_dataset(run["data_seed"]), world_size, what, **run["kwargs"])


@pytest.mark.task(1)
@pytest.mark.distributed
@pytest.mark.timeout(150)
def test_shuffles_differently_every_epoch(tmp_path, device):
    backend, world_size = _setup(device)
    reports = ddp_reports(tmp_path, backend, world_size)
    run = RUNS[1]  # shuffle, two epochs: the second epoch's order needs set_epoch(1)
    for rank in range(world_size):
        what = f"rank {rank}: {describe_run(1, world_size, backend)}"
        state = reports[rank][1]["state"]
        check_state_dict(state, what)
        check_weights(state, make_dataset(run["data_seed"]), world_size, what, **run["kwargs"])


@pytest.mark.task(1)
@pytest.mark.cuda
@pytest.mark.distributed
@pytest.mark.timeout(150)
def test_two_nccl_ranks_equal_one_process_training(tmp_path, device):
    if torch.cuda.device_count() < 2:
        pytest.skip(f"needs two GPUs for two nccl ranks, found {torch.cuda.device_count()}")
    reports = ddp_reports(tmp_path, "nccl", 2)
    for i, run in enumerate(RUNS):
        for rank in range(2):
            what = f"rank {rank}: {describe_run(i, 2, 'nccl')}"
            state = reports[rank][i]["state"]
            check_state_dict(state, what)
            check_weights(state, make_dataset(run["data_seed"]), 2, what, **run["kwargs"])


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.distributed
@pytest.mark.timeout(150)
def test_leaves_the_group_destroyed_after_a_barrier(tmp_path, device):
    backend, world_size = _setup(device)
    reports = ddp_reports(tmp_path, backend, world_size)
    for rank, runs in enumerate(reports):
        for i, report in enumerate(runs):
            what = f"rank {rank}: {describe_run(i, world_size, backend)}"
            if report["initialized_after"]:
                raise AssertionError(
                    f"{what} returned with the process group still initialized "
                    f"(dist.is_initialized() is True): call dist.destroy_process_group() "
                    f"before returning, or the next init_process_group in this process fails."
                )
            events = report["events"]
            last_forward = max((j for j, e in enumerate(events) if e == "forward"), default=-1)
            destroys = [j for j, e in enumerate(events) if e == "destroy"]
            barriers = [j for j, e in enumerate(events) if e == "barrier" and j > last_forward]
            if destroys and not any(b < destroys[-1] for b in barriers):
                raise AssertionError(
                    f"{what} destroyed the process group without a barrier after training "
                    f"(calls seen: {_compact(events)}). Call dist.barrier() right before "
                    f"dist.destroy_process_group(), so that no rank tears the group down while "
                    f"a peer is still finishing its last collective (with gloo that race "
                    f"shows up as 'terminate called without an active exception', SIGABRT)."
                )


def _compact(events: list[str]) -> str:
    """['init', 'forward', 'forward', 'barrier'] -> 'init, forward x2, barrier'."""
    out: list[str] = []
    for event in events:
        if out and out[-1].split(" x")[0] == event:
            count = int(out[-1].split(" x")[1]) + 1 if " x" in out[-1] else 2
            out[-1] = f"{event} x{count}"
        else:
            out.append(event)
    return ", ".join(out)


# ----------------------------------------------------------------------------- task 3


def _spy_on_save() -> None:
    """Runs in each torchrun rank: log every torch.save call to $DDP_KATA_SAVES."""
    import torch.serialization

    log_dir = Path(os.environ["DDP_KATA_SAVES"])
    real_save = torch.serialization.save

    def save(obj, f, *args, **kwargs):
        rank = os.environ.get("RANK", "?")
        (log_dir / f"rank{rank}-pid{os.getpid()}-{len(list(log_dir.iterdir()))}").write_text(str(f))
        return real_save(obj, f, *args, **kwargs)

    torch.save = save
    torch.serialization.save = save


@pytest.mark.task(3)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_main_under_torchrun_saves_one_checkpoint_from_rank_zero(tmp_path):
    checkpoint = tmp_path / "checkpoint.pt"
    saves = tmp_path / "saves"
    saves.mkdir()
    argv = ["--checkpoint", str(checkpoint), "--epochs", "2"]
    what = f"torchrun --standalone --nproc_per_node=2 ddp.py {' '.join(argv)}"
    run_torchrun(
        kata.ref("main"),
        2,
        argv,
        tmp_path=tmp_path,
        timeout=120,
        setup=ImplRef(Path(__file__), None, "_spy_on_save"),
        env={"DDP_KATA_SAVES": str(saves)},
    )
    writers = sorted(p.name.split("-")[0] for p in saves.iterdir())
    if writers != ["rank0"]:
        raise AssertionError(
            f"{what}: torch.save was called by {writers or 'no rank'}, expected once, by "
            + (
                "rank 0. Likely mistake: no torch.save of train_ddp's result at all (or "
                "another way of writing the file)."
                if not writers
                else "rank 0. Likely mistake: the rank test inverted (rank != 0)."
                if "rank0" not in writers
                else "rank 0: only rank 0 should write the checkpoint (the ranks hold "
                "identical weights, and two writers race on one file)."
            )
        )
    target = (saves / next(iter(saves.iterdir())).name).read_text()
    if Path(target).resolve() != checkpoint.resolve() or not checkpoint.is_file():
        raise AssertionError(
            f"{what}: rank 0 saved to {target!r}, expected the --checkpoint path "
            f"{str(checkpoint)!r}."
        )
    state = torch.load(checkpoint, weights_only=True)
    check_state_dict_for(state, kata._toy_model, what)
    expected = reference_weights(
        kata._toy_dataset(), 2, kata._toy_model, epochs=2, batch_size=4, lr=0.1, seed=0,
        shuffle=True,
    )  # fmt: skip
    for name in expected:
        assert_tensor_close(
            state[name],
            expected[name],
            what=f"{what}: checkpoint[{name!r}] against one process training _toy_model() "
            f"on the union of the 2 ranks' batches",
            mistake="main() does not call train_ddp with RANK and WORLD_SIZE from the "
            "environment, init_method 'env://', --epochs and shuffle=True.",
        )


def check_state_dict_for(state: Any, model_fn, what: str) -> None:
    __tracebackhide__ = True
    expected = sorted(model_fn().state_dict())
    if not isinstance(state, dict) or sorted(state) != expected:
        shown = sorted(state) if isinstance(state, dict) else type(state).__name__
        raise AssertionError(
            f"{what}: the checkpoint holds {shown}, expected _toy_model()'s state dict keys "
            f"{expected}. Likely mistake: "
            + (
                "saving the DDP wrapper's state ('module.' keys)."
                if isinstance(state, dict) and any(str(k).startswith("module.") for k in state)
                else "saving something other than train_ddp's result."
            )
        )


# ----------------------------------------------------------------------------- task 4

# (env, torch.cuda.device_count(), expected (device, backend)); os.environ holds other values
CHOICES = [
    pytest.param(
        {"RANK": "1", "LOCAL_RANK": "0", "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "1"}, 1,
        ("cuda:0", "nccl"), id="second-node-one-gpu", marks=pytest.mark.task(4),
    ),
    pytest.param(
        {"RANK": "1", "LOCAL_RANK": "0", "WORLD_SIZE": "2", "LOCAL_WORLD_SIZE": "1"}, 0,
        ("cpu", "gloo"), id="second-node-no-gpu", marks=pytest.mark.task(4),
    ),
    pytest.param(
        {"RANK": "5", "LOCAL_RANK": "1", "WORLD_SIZE": "8", "LOCAL_WORLD_SIZE": "4"}, 4,
        ("cuda:1", "nccl"), id="node-of-four-gpus", marks=pytest.mark.task(4),
    ),
    pytest.param(
        {"RANK": "5", "LOCAL_RANK": "1", "WORLD_SIZE": "8", "LOCAL_WORLD_SIZE": "4"}, 2,
        ("cpu", "gloo"), id="fewer-gpus-than-local-ranks", marks=pytest.mark.task(4),
    ),
]  # fmt: skip
# os.environ during these tests: unlike every case, so that reading it shows (cuda:3)
DECOY_ENV = {"RANK": "3", "LOCAL_RANK": "3", "WORLD_SIZE": "4", "LOCAL_WORLD_SIZE": "1"}


def _fake_gpus(monkeypatch: pytest.MonkeyPatch, count: int) -> None:
    """torch.cuda reports `count` GPUs (is_available agrees), and os.environ decoy values."""
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    for name, value in DECOY_ENV.items():
        monkeypatch.setenv(name, value)


def _choice_mistake(env: dict[str, str], gpus: int, got: tuple[str, str]) -> str:
    """The likely mistake behind a wrong (device, backend), from what came back."""
    rank, local_rank = int(env["RANK"]), int(env["LOCAL_RANK"])
    world, local_world = int(env["WORLD_SIZE"]), int(env["LOCAL_WORLD_SIZE"])
    device, backend = got
    if device == f"cuda:{rank}" and rank != local_rank:
        return (
            "the device index is RANK, the rank among all nodes; a rank's GPU on its own "
            "node is cuda:LOCAL_RANK (RANK 1 on a second one-GPU node has only cuda:0)."
        )
    if (device, backend) == choose_reference(DECOY_ENV, gpus):
        return "reading os.environ instead of the env it was given."
    if backend == "gloo" and gpus < world:
        return (
            "choosing nccl by WORLD_SIZE (the ranks of every node); only this node's ranks "
            "need this node's GPUs: compare torch.cuda.device_count() with LOCAL_WORLD_SIZE."
        )
    if backend == "nccl" and 0 < gpus < local_world:
        return (
            f"nccl whenever there is a GPU: {gpus} GPU(s) cannot give each of this node's "
            f"{local_world} ranks its own; compare device_count() with LOCAL_WORLD_SIZE."
        )
    return "see the docstring: cuda:LOCAL_RANK and nccl iff device_count() >= LOCAL_WORLD_SIZE."


def choose_reference(env: dict[str, str], gpus: int) -> tuple[str, str]:
    if gpus >= int(env["LOCAL_WORLD_SIZE"]):
        return f"cuda:{env['LOCAL_RANK']}", "nccl"
    return "cpu", "gloo"


@pytest.mark.parametrize(("env", "gpus", "expected"), CHOICES)
def test_chooses_this_nodes_gpu_and_backend_from_the_local_variables(
    monkeypatch, env, gpus, expected
):
    _fake_gpus(monkeypatch, gpus)
    given = dict(env)
    what = f"choose_device_and_backend({given}) with torch.cuda.device_count() == {gpus}"
    got = kata.choose_device_and_backend(env)
    if env != given:
        raise AssertionError(
            f"{what} changed the env it was given, to {env}: it should only read it (it is "
            f"os.environ in main, which every later read sees)."
        )
    if (
        not isinstance(got, tuple)
        or len(got) != 2
        or not isinstance(got[0], torch.device)
        or not isinstance(got[1], str)
    ):
        raise AssertionError(
            f"{what} returned {got!r}, expected a tuple (torch.device, backend name), "
            f"e.g. (torch.device({expected[0]!r}), {expected[1]!r})."
        )
    shown = (str(got[0]), got[1])
    if shown != expected:
        raise AssertionError(
            f"{what} returned (device {shown[0]!r}, backend {shown[1]!r}), expected "
            f"(device {expected[0]!r}, backend {expected[1]!r}). Likely mistake: "
            + _choice_mistake(given, gpus, shown)
        )


@pytest.mark.task(4)
@pytest.mark.parametrize("missing", ["LOCAL_RANK", "LOCAL_WORLD_SIZE"])
def test_raises_value_error_outside_torchrun(monkeypatch, missing):
    _fake_gpus(monkeypatch, 1)
    env = {"RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "1", "LOCAL_WORLD_SIZE": "1"}
    del env[missing]
    assert_raises(
        ValueError,
        kata.choose_device_and_backend,
        env,
        what=f"choose_device_and_backend({env}) without {missing}, as in a run without torchrun",
        mistake=f"a default for a missing {missing} (env.get({missing!r}, ...)), which "
        f"silently treats a plain `python ddp.py` as a torchrun rank, or reading os.environ "
        f"instead of env; and env[{missing!r}] alone raises KeyError: check for the variable "
        f"and raise ValueError saying to start the script with torchrun.",
    )


def _spy_on_node() -> None:
    """Runs in each rank of the two-node job: log torch.save calls (as in task 3), and at
    destroy_process_group dump the DDP-wrapped model's weights to $DDP_KATA_WEIGHTS."""
    import torch.distributed as dist
    from torch.distributed import distributed_c10d as c10d
    from torch.nn.parallel import DistributedDataParallel

    real_save = torch.save
    _spy_on_save()
    weights_dir = Path(os.environ["DDP_KATA_WEIGHTS"])
    wrapped: list[nn.Module] = []
    real_init, real_destroy = DistributedDataParallel.__init__, c10d.destroy_process_group

    def init(self, module, *args, **kwargs):
        wrapped.append(module)
        real_init(self, module, *args, **kwargs)

    def destroy_process_group(*args, **kwargs):
        if wrapped:  # after the barrier: the weights are final
            state = {k: v.detach().cpu().clone() for k, v in wrapped[-1].state_dict().items()}
            real_save(state, weights_dir / f"rank{os.environ['RANK']}.pt")
        return real_destroy(*args, **kwargs)

    DistributedDataParallel.__init__ = init
    for module in (dist, c10d):  # before the implementation is loaded: `from ... import` too
        module.destroy_process_group = destroy_process_group


@pytest.mark.task(4)
@pytest.mark.distributed
@pytest.mark.slow
@pytest.mark.timeout(240)
def test_two_torchrun_nodes_end_with_identical_weights(tmp_path):
    saves, weights = tmp_path / "saves", tmp_path / "weights"
    saves.mkdir()
    weights.mkdir()
    argv = ["--epochs", "1"]  # the default --checkpoint, in the working directory
    what = (
        "two torchrun nodes (--nnodes=2 --nproc_per_node=1 --rdzv-backend=c10d on "
        f"127.0.0.1) running ddp.py {' '.join(argv)}"
    )
    nodes = run_torchrun_nodes(
        kata.ref("main"),
        2,
        argv,
        tmp_path=tmp_path,
        timeout=180,
        setup=ImplRef(Path(__file__), None, "_spy_on_node"),
        env={"DDP_KATA_SAVES": str(saves), "DDP_KATA_WEIGHTS": str(weights)},
        cwd=tmp_path,
    )
    writers = sorted(p.name.split("-")[0] for p in saves.iterdir())
    if writers != ["rank0"]:
        raise AssertionError(
            f"{what}: torch.save was called by {writers or 'no rank'}, expected once, by "
            + (
                "RANK 0. Likely mistake: no torch.save at all (or another way of writing the file)."
                if not writers
                else "RANK 0: only rank 0 should write the checkpoint. Each node has a "
                "LOCAL_RANK 0, so `if local_rank == 0` saves once per node; decide roles by "
                "RANK."
                if len(writers) > 1
                else "RANK 0. Likely mistake: the rank test inverted, or the role decided by "
                "something other than RANK."
            )
        )
    checkpoint = tmp_path / "ddp_checkpoint.pt"
    if not checkpoint.is_file():
        target = next(iter(saves.iterdir())).read_text()
        raise AssertionError(
            f"{what}: rank 0 saved to {target!r}, expected the default --checkpoint "
            f"'ddp_checkpoint.pt' in the working directory."
        )
    printed = [line for node in nodes for line in node.stdout.splitlines() if "saved" in line]
    if printed != ["rank 0 saved ddp_checkpoint.pt"]:
        raise AssertionError(
            f"{what}: the nodes printed {printed}, expected one line, "
            f"'rank 0 saved ddp_checkpoint.pt'. Likely mistake: the message printed by every "
            f"rank (or not at all), or in another wording."
        )
    found = sorted(p.name for p in weights.iterdir())
    if found != ["rank0.pt", "rank1.pt"]:
        raise AssertionError(
            f"{what}: a DDP-wrapped model reached destroy_process_group on {found or 'no rank'}, "
            f"expected on rank0.pt and rank1.pt: every rank trains through "
            f"DistributedDataParallel and tears the group down."
        )
    first, second = (torch.load(weights / name, weights_only=True) for name in found)
    for name in first:
        if not torch.allclose(second[name], first[name], rtol=1e-6, atol=1e-7):
            raise AssertionError(
                f"{what}: the two ranks ended with different weights ({name!r} differs by up "
                f"to {(second[name] - first[name]).abs().max().item():.3g}). Likely mistake: "
                f"the ranks do not average their gradients (no DDP, or a wrong rank or world "
                f"size passed to train_ddp)."
            )
    state = torch.load(checkpoint, weights_only=True)
    check_state_dict_for(state, kata._toy_model, what)
    expected = reference_weights(
        kata._toy_dataset(), 2, kata._toy_model, epochs=1, batch_size=4, lr=0.1, seed=0,
        shuffle=True,
    )  # fmt: skip
    for name in expected:
        assert_tensor_close(
            state[name],
            expected[name],
            what=f"{what}: checkpoint[{name!r}] against one process training _toy_model() "
            f"for 1 epoch on the union of the 2 ranks' batches",
            mistake="main() does not pass --epochs on, or does not call train_ddp with RANK "
            "and WORLD_SIZE from the environment, init_method 'env://' and shuffle=True.",
        )
