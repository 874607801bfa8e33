"""Tests for kata 61: two pipeline stages over micro-batches equal the unsplit model.

Tasks 1-3 run in this process: the stages sit on two devices (cpu and cpu here; cuda:0 and
cuda:1 with --device cuda on a machine with two GPUs), and every result is compared in
float64 with the unsplit model run on the whole batch. Hooks on the stages record the
micro-batch sizes each stage saw, and a TorchFunctionMode records every .to() call, so
that a missing move between the stages is caught even where both stages share a device.
Task 4 spawns two ranks once (torch.distributed.pipelining on gloo).
"""

from __future__ import annotations

import copy
import datetime
import traceback
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

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

TIGHT = {"rtol": 1e-10, "atol": 1e-12}  # float64: the micro-batch sums differ only by rounding
FLOAT32 = {"rtol": 1e-5, "atol": 1e-6}
GROUP_TIMEOUT = datetime.timedelta(seconds=30)

_reports: dict[tuple[Any, ...], Any] = {}  # task 4: one spawned run per implementation


def make_model(dtype: torch.dtype = torch.float64, seed: int = 0) -> nn.Sequential:
    """Six layers, no batch statistics (BatchNorm would differ per micro-batch)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return nn.Sequential(
            nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 8), nn.LayerNorm(8), nn.ReLU(),
            nn.Linear(8, 3),
        ).to(dtype)  # fmt: skip


def stage_devices(device: torch.device) -> tuple[torch.device, torch.device]:
    """cuda:0 and cuda:1 where two GPUs are present, else the test device twice."""
    if device.type == "cuda" and torch.cuda.device_count() >= 2:
        return torch.device("cuda", 0), torch.device("cuda", 1)
    if device.type == "cuda":
        return torch.device("cuda", 0), torch.device("cuda", 0)
    return device, device


def expected_sizes(batch: int, n: int) -> list[int]:
    """torch.tensor_split's sizes, written out: B // n each, the first B % n one larger."""
    return [batch // n + (1 if i < batch % n else 0) for i in range(n)]


def same_device(a: torch.device, b: torch.device) -> bool:
    if a.type != b.type:
        return False
    if a.type != "cuda":
        return True
    current = torch.cuda.current_device()
    return (a.index if a.index is not None else current) == (
        b.index if b.index is not None else current
    )


class MoveLog(TorchFunctionMode):
    """Records the result and target device of every Tensor.to / .cuda / .cpu call."""

    def __init__(self) -> None:
        super().__init__()
        self.moves: list[tuple[torch.Tensor, torch.device]] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):  # type: ignore[override]
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        target = None
        if func is torch.Tensor.cpu:
            target = torch.device("cpu")
        elif func is torch.Tensor.cuda:
            index = args[1] if len(args) > 1 else kwargs.get("device")
            target = (
                torch.device("cuda", index)
                if isinstance(index, int)
                else torch.device(index or "cuda")
            )
        elif func is torch.Tensor.to:
            target = kwargs.get("device")
            for arg in args[1:]:
                if isinstance(arg, str | torch.device | int):
                    target = arg
                elif isinstance(arg, torch.Tensor):
                    target = arg.device
            if target is not None:
                target = torch.device("cuda", target) if isinstance(target, int) else target
                target = torch.device(target)
        if target is not None and isinstance(out, torch.Tensor):
            self.moves.append((out, target))
        return out

    def moved_to(self, tensor: torch.Tensor, device: torch.device) -> bool:
        return any(out is tensor and same_device(target, device) for out, target in self.moves)


class StageSpy:
    """Forward pre-hooks on both stages: micro-batch sizes, and whether the activation moved."""

    def __init__(self, first: nn.Module, second: nn.Module, log: MoveLog, device1) -> None:
        self.first_sizes: list[int] = []
        self.second_sizes: list[int] = []
        self.unmoved = 0
        self.handles = [
            first.register_forward_pre_hook(lambda m, args: self.first_sizes.append(len(args[0]))),
            second.register_forward_pre_hook(self._second),
        ]
        self.log, self.device1 = log, device1

    def _second(self, module: nn.Module, args: tuple) -> None:
        self.second_sizes.append(len(args[0]))
        if not self.log.moved_to(args[0], self.device1):
            self.unmoved += 1

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def build_stages(model: nn.Sequential, split: int, devices) -> tuple[nn.Module, nn.Module]:
    """The test's own split (tasks 2-3 do not depend on the learner's split_model)."""
    return model[:split].to(devices[0]), model[split:].to(devices[1])


def random_batch(gen: torch.Generator, batch: int, dtype, device, *, transposed=False):
    """x (batch, 5) and y (batch, 3); x non-contiguous when transposed."""
    if transposed:
        x = torch.randn(5, batch, generator=gen, dtype=dtype).to(device).t()
    else:
        x = torch.randn(batch, 5, generator=gen, dtype=dtype).to(device)
    y = torch.randn(batch, 3, generator=gen, dtype=dtype).to(device)
    return x, y


def check_sizes(spy: StageSpy, batch: int, n: int, what: str) -> None:
    __tracebackhide__ = True
    want = expected_sizes(batch, n)
    for stage, got in (("first", spy.first_sizes), ("second", spy.second_sizes)):
        if got == want:
            continue
        if got == [batch]:
            mistake = (
                "the whole batch went through at once: split it with "
                "split_microbatches(x, n) and run each micro-batch through both stages."
            )
        elif got == [t.shape[0] for t in torch.chunk(torch.empty(batch), n)]:
            mistake = (
                "torch.chunk's sizes (ceil(B / n) each, and sometimes fewer than n "
                "chunks): use split_microbatches, that is torch.tensor_split."
            )
        else:
            mistake = "micro-batches that are not split_microbatches(x, n)."
        raise AssertionError(
            f"{what}: the {stage} stage saw micro-batches of sizes {got}, expected {want} "
            f"(n={n} micro-batches of a batch of {batch}). Likely mistake: {mistake}"
        )


def check_moved(spy: StageSpy, devices, what: str) -> None:
    __tracebackhide__ = True
    if spy.unmoved:
        raise AssertionError(
            f"{what}: {spy.unmoved} activation(s) reached the second stage without "
            f".to(devices[1]) (devices {devices[0]} and {devices[1]}). Move each "
            f"activation between the stages: harmless on one device, and on cuda:0 / "
            f"cuda:1 the second stage otherwise fails with 'Expected all tensors to be on "
            f"the same device'."
        )


def check_grads(
    stages: tuple[nn.Module, nn.Module], reference: nn.Module, what: str, mistake: str, **tol
) -> None:
    """Each stage parameter's .grad against the unsplit reference model's."""
    __tracebackhide__ = True
    ref = dict(reference.named_parameters())
    for index, stage in enumerate(stages):
        for name, p in stage.named_parameters():
            if p.grad is None or (index == 0 and not p.grad.any() and ref[name].grad.any()):
                raise AssertionError(
                    f"{what}: the {'first' if index == 0 else 'second'} stage's {name!r} "
                    f"got {'no gradient' if p.grad is None else 'a zero gradient'}. Likely "
                    + (
                        "mistake: the activation was detached between the stages (.detach(), "
                        "torch.no_grad(), or a new tensor from .data), so no gradient reached "
                        "the first stage."
                        if index == 0
                        else "mistake: no backward() ran, or the loss was not computed from "
                        "the second stage's output."
                    )
                )
            assert_tensor_close(
                p.grad,
                ref[name].grad.to(p.grad.device),
                what=f"{what}: .grad of {name!r} against the unsplit model's",
                mistake=mistake,
                **tol,
            )


# ----------------------------------------------------------------------------- task 1

SPLITS = [(10, 4), (10, 6), (12, 4), (7, 7), (1, 1), (5, 1), (9, 2), (13, 5)]


@pytest.mark.task(1)
@pytest.mark.parametrize(("batch", "n"), SPLITS, ids=[f"B{b}-n{n}" for b, n in SPLITS])
def test_split_microbatches_sizes_are_tensor_splits(batch, n, device):
    gen = torch.Generator().manual_seed(batch * 100 + n)
    x = torch.randn(batch, 3, generator=gen).to(device)
    original = x.clone()
    what = f"split_microbatches(x of shape {tuple(x.shape)}, n={n})"
    chunks = kata.split_microbatches(x, n)
    if not isinstance(chunks, list | tuple) or not all(isinstance(c, torch.Tensor) for c in chunks):
        raise AssertionError(
            f"{what} returned {type(chunks).__name__}, expected a list of tensors."
        )
    sizes = [c.shape[0] for c in chunks]
    want = expected_sizes(batch, n)
    if sizes != want:
        chunked = [t.shape[0] for t in torch.chunk(torch.empty(batch), n)]
        mistake = (
            "torch.chunk, which makes chunks of ceil(B / n) rows and can return fewer than n "
            "chunks: use torch.tensor_split(batch, n)."
            if sizes == chunked
            else "sizes that are not B // n, the first B % n one larger."
        )
        raise AssertionError(
            f"{what} gave micro-batches of sizes {sizes}, expected {want}. Likely mistake: "
            f"{mistake}"
        )
    assert_tensor_close(torch.cat(list(chunks)), original, what=f"{what}, concatenated back")
    assert_tensor_close(x, original, what=f"{what}: the caller's x afterwards")


@pytest.mark.task(1)
def test_split_microbatches_returns_views_even_of_a_non_contiguous_batch(device):
    gen = torch.Generator().manual_seed(11)
    for x in (
        torch.randn(9, 4, generator=gen).to(device),
        torch.randn(4, 9, generator=gen).to(device).t(),  # non-contiguous
    ):
        what = f"split_microbatches(x of shape {tuple(x.shape)}, contiguous={x.is_contiguous()}, 4)"
        chunks = kata.split_microbatches(x, 4)
        storage = x.untyped_storage().data_ptr()
        for i, c in enumerate(chunks):
            if c.untyped_storage().data_ptr() != storage:
                raise AssertionError(
                    f"{what}: micro-batch {i} is a copy, expected a view of x (the same "
                    f"storage): slicing along dim 0 (torch.tensor_split) needs no copy. "
                    f"Likely mistake: .clone() or .contiguous() on each micro-batch."
                )
        assert_tensor_close(torch.cat(list(chunks)), x, what=f"{what}, concatenated back")


@pytest.mark.task(1)
@pytest.mark.parametrize("n", [0, -1, 6])
def test_split_microbatches_raises_value_error_for_empty_micro_batches(n, device):
    x = torch.zeros(5, 2, device=device)
    what = f"split_microbatches(x of shape (5, 2), n={n})"
    assert_raises(
        ValueError,
        kata.split_microbatches,
        x,
        n,
        what=what,
        mistake="n < 1 or n > B would leave a micro-batch empty: check 1 <= n <= len(batch).",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
@pytest.mark.parametrize("split", [1, 3, 5])
def test_split_model_holds_the_models_own_layers(split, device):
    devices = stage_devices(device)
    model = make_model()
    layers = list(model)
    params = [id(p) for p in model.parameters()]
    what = f"split_model(model of {len(model)} layers, split={split}, {devices})"
    result = kata.split_model(model, split, devices)
    if not isinstance(result, tuple) or len(result) != 2:
        raise AssertionError(f"{what} returned {type(result).__name__}, expected (first, second).")
    first, second = result
    got = list(first) + list(second)
    if len(list(first)) != split or len(got) != len(layers):
        raise AssertionError(
            f"{what} gave stages of {len(list(first))} and {len(list(second))} layers, "
            f"expected {split} and {len(layers) - split}. Likely mistake: an off-by-one "
            f"slice (model[:split + 1]), or a layer left out of both stages."
        )
    if any(a is not b for a, b in zip(got, layers, strict=True)):
        raise AssertionError(
            f"{what} returned copies of the layers, expected the model's own layer objects "
            f"(model[:split], model[split:]): training the stages must train the model. "
            f"Likely mistake: copy.deepcopy."
        )
    if [id(p) for p in model.parameters()] != params:
        raise AssertionError(
            f"{what} replaced the model's Parameter objects; expected the same ones. Likely "
            f"mistake: new Parameters made from the old ones (nn.Parameter(p.to(device)))."
        )
    names = [n for n, _ in first.named_parameters()] + [n for n, _ in second.named_parameters()]
    if names != [n for n, _ in model.named_parameters()]:
        raise AssertionError(
            f"{what}: the stages' parameter names are {names}, expected the model's "
            f"numbering {[n for n, _ in model.named_parameters()]} (slice the Sequential)."
        )
    for stage, dev, label in ((first, devices[0], "first"), (second, devices[1], "second")):
        for name, p in stage.named_parameters():
            if not same_device(p.device, dev):
                raise AssertionError(
                    f"{what}: the {label} stage's {name!r} is on {p.device}, expected {dev}. "
                    f"Likely mistake: the stage not moved (.to(device)), or the two devices "
                    f"swapped."
                )


@pytest.mark.task(2)
@pytest.mark.parametrize("split", [0, 6, -1])
def test_split_model_raises_value_error_for_an_empty_stage(split, device):
    devices = stage_devices(device)
    what = f"split_model(model of 6 layers, split={split}, {devices})"
    assert_raises(
        ValueError,
        kata.split_model,
        make_model(),
        split,
        devices,
        what=what,
        mistake="no check that both stages keep a layer (1 <= split <= len(model) - 1).",
    )


FORWARD_CASES = [  # (batch, n, split, dtype, transposed x)
    (10, 4, 3, torch.float64, False),
    (12, 3, 2, torch.float64, True),
    (7, 7, 5, torch.float64, False),
    (6, 1, 1, torch.float32, False),
]


@pytest.mark.task(2)
def test_pipeline_forward_equals_the_unsplit_model(device):
    devices = stage_devices(device)
    gen = torch.Generator().manual_seed(61)
    for batch, n, split, dtype, transposed in FORWARD_CASES:
        model = make_model(dtype, seed=batch).to(device)
        reference = copy.deepcopy(model)
        first, second = build_stages(model, split, devices)
        x, _ = random_batch(gen, batch, dtype, device, transposed=transposed)
        original = x.clone()
        what = (
            f"pipeline_forward(first, second, {devices[0]}/{devices[1]}, x of shape "
            f"{tuple(x.shape)}{' (non-contiguous)' if transposed else ''}, n={n})"
        )
        log = MoveLog()
        spy = StageSpy(first, second, log, devices[1])
        try:
            with log:
                out = kata.pipeline_forward(first, second, devices, x, n)
        finally:
            spy.remove()
        check_sizes(spy, batch, n, what)
        check_moved(spy, devices, what)
        expected = reference(x)
        assert_tensor_close(
            out,
            expected.to(devices[1]),
            what=what + " against the unsplit model(x)",
            mistake="micro-batch outputs concatenated out of order or along the wrong dim, or "
            "a micro-batch dropped.",
            **(TIGHT if dtype == torch.float64 else FLOAT32),
        )
        assert_tensor_close(x, original, what=f"{what}: the caller's x afterwards")


@pytest.mark.task(2)
def test_pipeline_forward_keeps_the_graph_to_both_stages(device):
    devices = stage_devices(device)
    gen = torch.Generator().manual_seed(62)
    model = make_model().to(device)
    reference = copy.deepcopy(model)
    first, second = build_stages(model, 3, devices)
    x, _ = random_batch(gen, 9, torch.float64, device)
    what = f"pipeline_forward(first, second, devices, x of shape {tuple(x.shape)}, n=3)"
    out = kata.pipeline_forward(first, second, devices, x, 3)
    if not out.requires_grad:
        raise AssertionError(
            f"{what} returned an output without a graph (requires_grad False). Likely "
            f"mistake: torch.no_grad() around the stages, or the output detached."
        )
    out.pow(2).sum().backward()
    reference(x).pow(2).sum().backward()
    check_grads(
        (first, second), reference, f"{what}, then out.pow(2).sum().backward()", "", **TIGHT
    )


@pytest.mark.task(2)
@pytest.mark.parametrize("n", [0, 5])
def test_pipeline_forward_raises_value_error_for_empty_micro_batches(n, device):
    devices = stage_devices(device)
    first, second = build_stages(make_model().to(device), 3, devices)
    x = torch.zeros(4, 5, dtype=torch.float64, device=device)
    what = f"pipeline_forward(first, second, devices, x of shape (4, 5), n={n})"
    assert_raises(
        ValueError,
        kata.pipeline_forward,
        first,
        second,
        devices,
        x,
        n,
        what=what,
        mistake="micro-batches not made with split_microbatches, which raises for such n.",
    )


# ----------------------------------------------------------------------------- task 3

STEP_CASES = [  # (batch, n, split, dtype)
    (10, 4, 3, torch.float64),  # unequal micro-batches: 3, 3, 2, 2
    (12, 4, 2, torch.float64),
    (8, 8, 5, torch.float64),
    (5, 1, 1, torch.float64),
    (11, 3, 3, torch.float32),
]


def alternative_loss(reference, x, y, n, how: str) -> torch.Tensor:
    """The total loss of a known wrong variant, to name a mistake."""
    losses = [
        F.mse_loss(reference(a), b)
        for a, b in zip(torch.tensor_split(x, n), torch.tensor_split(y, n), strict=True)
    ]
    total = torch.stack(losses).sum()
    return total if how == "sum" else total / n


def run_step(first, second, devices, x, y, n, what):
    __tracebackhide__ = True
    log = MoveLog()
    spy = StageSpy(first, second, log, devices[1])
    try:
        with log:
            loss = kata.pipeline_train_step(first, second, devices, x, y, F.mse_loss, n)
    finally:
        spy.remove()
    check_sizes(spy, x.shape[0], n, what)
    check_moved(spy, devices, what)
    return loss


@pytest.mark.task(3)
def test_train_step_gives_the_whole_batch_loss_and_gradients(device):
    devices = stage_devices(device)
    gen = torch.Generator().manual_seed(63)
    for batch, n, split, dtype in STEP_CASES:
        tol = TIGHT if dtype == torch.float64 else FLOAT32
        model = make_model(dtype, seed=batch).to(device)
        reference = copy.deepcopy(model)
        first, second = build_stages(model, split, devices)
        x, y = random_batch(gen, batch, dtype, device)
        originals = (x.clone(), y.clone())
        what = (
            f"pipeline_train_step(first, second, devices, x of shape {tuple(x.shape)}, "
            f"y of shape {tuple(y.shape)}, F.mse_loss, n={n})"
        )
        loss = run_step(first, second, devices, x, y, n, what)
        whole = F.mse_loss(reference(x), y)
        mistake = "a loss that is not the sum of len(y_i) / B * loss_fn(output_i, y_i)."
        for how, hint in (
            ("sum", "the micro-batch losses were summed without scaling: multiply each by "
             "len(y_i) / B (1 / n for equal micro-batches)."),
            ("mean", "each micro-batch loss was scaled by 1 / n, but these micro-batches have "
             "unequal sizes: scale each by its share of the batch, len(y_i) / B."),
        ):  # fmt: skip
            alternative = alternative_loss(reference, x, y, n, how).item()
            if abs(alternative - whole.item()) > 1e-6 and isinstance(loss, float):
                if abs(loss - alternative) <= 1e-9 * max(1.0, abs(alternative)):
                    mistake = hint
        if type(loss) is not float:
            raise AssertionError(
                f"{what} returned {type(loss).__name__}, expected a Python float (.item())."
            )
        assert_tensor_close(
            torch.tensor(loss, dtype=torch.float64),
            whole.detach().double().cpu(),
            what=f"{what}: the returned loss against mse_loss(model(x), y) on the whole batch",
            mistake=mistake,
            **tol,
        )
        whole.backward()
        check_grads((first, second), reference, what, mistake, **tol)
        assert_tensor_close(x, originals[0], what=f"{what}: the caller's x afterwards")
        assert_tensor_close(y, originals[1], what=f"{what}: the caller's y afterwards")


@pytest.mark.task(3)
def test_train_step_accumulates_into_existing_gradients(device):
    devices = stage_devices(device)
    gen = torch.Generator().manual_seed(64)
    model = make_model().to(device)
    reference = copy.deepcopy(model)
    first, second = build_stages(model, 3, devices)
    earlier = []
    for p, r in zip(model.parameters(), reference.parameters(), strict=True):
        g = torch.randn(p.shape, generator=gen, dtype=p.dtype).to(p.device)
        p.grad, r.grad = g.clone(), g.clone().to(r.device)
        earlier.append(g)
    x, y = random_batch(gen, 10, torch.float64, device)
    what = "pipeline_train_step(..., n=4) on stages whose .grad already holds a gradient"
    run_step(first, second, devices, x, y, 4, what)
    F.mse_loss(reference(x), y).backward()  # adds to the same earlier gradients
    check_grads(
        (first, second),
        reference,
        what,
        "the existing gradients were zeroed inside the step (zero_grad belongs to the "
        "caller, as with loss.backward()), or replaced instead of added to.",
        **TIGHT,
    )


@pytest.mark.task(3)
def test_train_step_gradient_reaches_an_input_that_requires_grad(device):
    devices = stage_devices(device)
    gen = torch.Generator().manual_seed(65)
    model = make_model().to(device)
    reference = copy.deepcopy(model)
    first, second = build_stages(model, 2, devices)
    x, y = random_batch(gen, 10, torch.float64, device)
    x.requires_grad_(True)
    x_ref = x.detach().clone().requires_grad_(True)
    what = "pipeline_train_step(..., x of shape (10, 5) with requires_grad=True, n=4)"
    run_step(first, second, devices, x, y, 4, what)
    F.mse_loss(reference(x_ref), y).backward()
    if not x.requires_grad:
        raise AssertionError(
            f"{what}: afterwards x.requires_grad is False; expected the caller's x untouched "
            f"and given a gradient. Likely mistake: x.requires_grad_(False) on the caller's x."
        )
    if x.grad is None:
        raise AssertionError(
            f"{what}: x.grad is None (x.requires_grad={x.requires_grad}): the gradient must "
            f"flow back to the input through the micro-batches, which are views of x. Likely "
            f"mistake: x detached (or x.data used) before splitting."
        )
    assert_tensor_close(x.grad, x_ref.grad, what=f"{what}: x.grad against the unsplit model's")


@pytest.mark.task(3)
@pytest.mark.cuda
def test_two_gpus_hold_one_stage_each(device):
    if torch.cuda.device_count() < 2:
        pytest.skip(f"needs two GPUs for one stage each, found {torch.cuda.device_count()}")
    devices = (torch.device("cuda", 0), torch.device("cuda", 1))
    gen = torch.Generator().manual_seed(66)
    model = make_model().to(devices[0])
    reference = copy.deepcopy(model)
    first, second = kata.split_model(model, 3, devices)
    x, y = random_batch(gen, 10, torch.float64, devices[0])
    what = "split_model(model, 3, (cuda:0, cuda:1)), then pipeline_train_step(..., n=4)"
    loss = run_step(first, second, devices, x, y, 4, what)
    whole = F.mse_loss(reference(x), y)
    assert_tensor_close(
        torch.tensor(loss, dtype=torch.float64), whole.detach().cpu(), what=what, **TIGHT
    )
    whole.backward()
    check_grads((first, second), reference, what, "", **TIGHT)
    out = kata.pipeline_forward(first, second, devices, x, 4)
    if out.device != devices[1]:
        raise AssertionError(f"pipeline_forward on cuda:0/cuda:1 returned on {out.device}.")


# ----------------------------------------------------------------------------- task 4

GPIPE = {"batch": 12, "n": 4, "split": 3}


def _gpipe_in_rank(
    rank: int, world_size: int, impl: ImplRef, init_method: str, backend: str
) -> dict[str, Any]:
    """Runs in each spawned rank: the learner's gpipe_rank on a model with per-layer spies."""
    import torch.distributed as dist

    device = torch.device("cuda", rank) if backend == "nccl" else torch.device("cpu")
    if device.type == "cuda":
        torch.cuda.set_device(device)
    gpipe_rank = impl.resolve()
    dist.init_process_group(
        backend, init_method=init_method, rank=rank, world_size=world_size, timeout=GROUP_TIMEOUT
    )
    model = make_model()
    ran: list[int] = []
    for index, layer in enumerate(model):
        layer.register_forward_hook(lambda m, a, o, index=index: ran.append(index))
    gen = torch.Generator().manual_seed(640)
    x, y = random_batch(gen, GPIPE["batch"], torch.float64, "cpu")
    report: dict[str, Any] = {"error": None, "not_started": None, "result": None}
    try:
        report["result"] = gpipe_rank(model, GPIPE["split"], x, y, GPIPE["n"], device)
    except NotImplementedError as err:
        report["not_started"] = (traceback.format_exc(), not_started_site(err))
    except Exception as err:
        report["error"] = f"{type(err).__name__}: {err}\n{traceback.format_exc()}"
    report["ran"] = sorted(set(ran))
    if report["error"] is None:
        try:
            dist.barrier()
            dist.destroy_process_group()
        except Exception as err:  # the peer failed and left: its report says why
            report["error"] = f"the final barrier failed: {type(err).__name__}: {err}"
    return report


def rank_ref(name: str) -> ImplRef:
    """kata.ref(name), without the mistake overlay when the mistake does not define name.

    Then the spawned run is the solution's own and its cached report serves every mistake
    of tasks 1-3: the gate spawns once for them instead of once per mistake.
    """
    ref = kata.ref(name)
    if ref.overlay is not None and name not in vars(load_path(ref.overlay)):
        return ImplRef(ref.path, None, name)
    return ref


def raise_not_started(info: Any, what: str) -> None:
    """Re-raise, in the test, the stub's NotImplementedError caught in a rank."""
    __tracebackhide__ = True
    text, site = info
    if site is not None:
        raise NotStarted(f"{what}: not started yet.\n{text}", *site)
    raise NotImplementedError(f"{what}: not started yet.\n{text}")


def gpipe_reports(tmp_path: Path, device: torch.device) -> list[dict[str, Any]]:
    __tracebackhide__ = True
    cuda_ranks = device.type == "cuda" and torch.cuda.device_count() >= 2
    backend = "nccl" if cuda_ranks else "gloo"
    impl = rank_ref("gpipe_rank")
    key = (impl, backend)
    if key not in _reports:
        try:
            _reports[key] = run_ranks(
                ImplRef(Path(__file__), None, "_gpipe_in_rank"),
                2,
                (impl, file_init_method(tmp_path), backend),
                tmp_path=tmp_path,
                timeout=120,
                label=f"gpipe_rank(model, split=3, x, y, n_microbatches=4) on 2 {backend} ranks",
            )
        except RanksFailed as err:
            _reports[key] = err
    result = _reports[key]
    if isinstance(result, BaseException):
        raise result.with_traceback(None)
    what = (
        f"gpipe_rank(model, split=3, x (12, 5), y (12, 3), n_microbatches=4) on 2 {backend} ranks"
    )
    for rank, report in enumerate(result):
        if report["not_started"]:
            raise_not_started(report["not_started"], f"rank {rank}: {what}")
    for rank, report in enumerate(result):
        if report["error"]:
            raise AssertionError(f"rank {rank}: {what} raised {report['error']}")
    return result


def gpipe_reference() -> tuple[nn.Sequential, list[float]]:
    """The unsplit model after backward of the whole-batch mean loss; per-chunk losses."""
    model = make_model()
    gen = torch.Generator().manual_seed(640)
    x, y = random_batch(gen, GPIPE["batch"], torch.float64, "cpu")
    F.mse_loss(model(x), y).backward()
    with torch.no_grad():
        losses = [
            F.mse_loss(model(a), b).item()
            for a, b in zip(
                torch.tensor_split(x, GPIPE["n"]), torch.tensor_split(y, GPIPE["n"]), strict=True
            )
        ]
    return model, losses


@pytest.mark.task(4)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_gpipe_each_rank_runs_only_its_stage(tmp_path, device):
    split = GPIPE["split"]
    expected = {0: list(range(split)), 1: list(range(split, 6))}
    for rank, report in enumerate(gpipe_reports(tmp_path, device)):
        if report["ran"] != expected[rank]:
            raise AssertionError(
                f"rank {rank}: gpipe_rank ran the model's layers {report['ran']}, expected "
                f"only its stage's {expected[rank]}. Likely mistake: a rank ran layers of "
                f"the other stage (the whole model on every rank, or the wrong half): rank 0 "
                f"keeps model[:split], rank 1 model[split:], and the schedule passes the "
                f"activations between them."
            )


@pytest.mark.task(4)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_gpipe_gradients_equal_the_unsplit_model(tmp_path, device):
    reference, _ = gpipe_reference()
    ref = dict(reference.named_parameters())
    split = GPIPE["split"]
    for rank, report in enumerate(gpipe_reports(tmp_path, device)):
        what = f"rank {rank}: gpipe_rank(model, split={split}, ..., n_microbatches=4)"
        grads = report["result"][0] if isinstance(report["result"], tuple) else None
        stage = [n for n in ref if (int(n.split(".")[0]) < split) == (rank == 0)]
        if not isinstance(grads, dict) or sorted(grads) != sorted(stage):
            shown = sorted(grads) if isinstance(grads, dict) else type(grads).__name__
            raise AssertionError(
                f"{what} returned gradients for {shown}, expected its stage's parameters "
                f"{stage}, named as in the model. Likely mistake: the whole model's "
                f"gradients, or stage-local names (the stage's own numbering from 0)."
            )
        for name in stage:
            assert_tensor_close(
                grads[name],
                ref[name].grad,
                what=f"{what}: .grad of {name!r} against the unsplit model's",
                mistake="a loss_fn other than F.mse_loss, scale_grads=False, or the wrong "
                "inputs or targets passed to schedule.step.",
                **TIGHT,
            )


@pytest.mark.task(4)
@pytest.mark.distributed
@pytest.mark.slow  # shares one spawn of 2 ranks (4-20 s here); the first test pays it
@pytest.mark.timeout(200)
def test_gpipe_last_rank_returns_one_loss_per_microbatch(tmp_path, device):
    _, expected = gpipe_reference()
    for rank, report in enumerate(gpipe_reports(tmp_path, device)):
        what = f"rank {rank}: gpipe_rank(..., n_microbatches=4)"
        losses = report["result"][1]
        want = expected if rank == 1 else []
        if not isinstance(losses, list) or len(losses) != len(want):
            raise AssertionError(
                f"{what} returned losses {losses!r}, expected {len(want)} floats"
                + (
                    ": one loss per micro-batch. Likely mistake: schedule.step(target=y) "
                    "without losses=[...], the list the schedule fills."
                    if rank == 1 and not losses
                    else ": one loss per micro-batch. Likely mistake: a schedule made with "
                    "another n_microbatches, or losses appended more than once."
                    if rank == 1
                    else ": the first stage computes no loss."
                )
            )
        if want:
            assert_tensor_close(
                torch.tensor(losses, dtype=torch.float64),
                torch.tensor(want, dtype=torch.float64),
                what=f"{what}: the micro-batch losses against the unsplit model's per chunk",
                **TIGHT,
            )
