"""Tests for kata 57: pinned memory, non-blocking copies, streams and events.

A CPU has no streams, so on the CPU the functions get `FakeCuda`, a stand-in for the ops
object that simulates what matters: pinned storage, copies that finish only when something
waits for them (a copy's destination holds NaN until then), streams that run in order,
events, and stream.wait_event. Work completes as late as the waits allow, so a missing
wait shows up as NaN, or as a copy that read a tensor before the kernel computing it ran.
The tests marked cuda run the same functions with torch's real CUDA calls.
"""

from __future__ import annotations

import contextlib
import math

import pytest
import torch

from torchkatas.harness import assert_raises, assert_tensor_close, describe, load_kata

kata = load_kata(__file__)


# ----------------------------------------------------------------------------- the stand-in


def _ptr(t: torch.Tensor) -> int:
    return t.untyped_storage().data_ptr()


def garbage_like(t: torch.Tensor) -> torch.Tensor:
    """What memory holds before a copy lands in it: NaN (or the smallest integer)."""
    fill = math.nan if t.dtype.is_floating_point else torch.iinfo(t.dtype).min
    return torch.full_like(t, fill)


class OnFakeGpu(torch.Tensor):
    """The stand-in's "GPU" tensors: CPU memory that says it is on cuda:0."""

    @property
    def device(self) -> torch.device:  # type: ignore[override]
        return torch.device("cuda", 0)

    @property
    def is_cuda(self) -> bool:  # type: ignore[override]
        return True

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        with torch._C.DisableTorchFunctionSubclass():  # results are plain tensors
            return func(*args, **(kwargs or {}))


class FakeOp:
    """One piece of queued work on a stream; `deps` are the events the stream waited for."""

    def __init__(self, fn, deps) -> None:
        self.fn, self.deps, self.done = fn, deps, False


class FakeStream:
    def __init__(self, cuda: FakeCuda, name: str) -> None:
        self.cuda, self.name = cuda, name
        self.ops: list[FakeOp] = []
        self.waited: list[FakeEvent] = []

    def enqueue(self, fn) -> FakeOp:
        op = FakeOp(fn, list(self.waited))
        self.ops.append(op)
        return op

    def complete_until(self, n: int) -> None:
        for op in self.ops[:n]:
            if not op.done:
                for event in op.deps:
                    event.complete()
                op.done = True
                op.fn()

    def synchronize(self) -> None:
        self.cuda.log.append(("stream.synchronize", self.name))
        self.complete_until(len(self.ops))

    def wait_event(self, event: FakeEvent) -> None:
        self.cuda.log.append(("wait_event", self.name, event.stream_name()))
        self.waited.append(event)

    def wait_stream(self, other: FakeStream) -> None:
        self.cuda.log.append(("wait_stream", self.name, other.name))
        event = FakeEvent(self.cuda)
        event.mark(other)
        self.waited.append(event)

    def __repr__(self) -> str:
        return f"<fake stream {self.name}>"


class FakeEvent:
    def __init__(self, cuda: FakeCuda) -> None:
        self.cuda = cuda
        self.stream: FakeStream | None = None
        self.upto = 0

    def mark(self, stream: FakeStream) -> None:
        self.stream, self.upto = stream, len(stream.ops)

    def stream_name(self) -> str | None:
        return None if self.stream is None else self.stream.name

    def record(self, stream: FakeStream | None = None) -> None:
        stream = stream if stream is not None else self.cuda.current_stream(None)
        self.cuda.log.append(("event.record", stream.name))
        self.mark(stream)

    def complete(self) -> None:
        if self.stream is not None:
            self.stream.complete_until(self.upto)

    def synchronize(self) -> None:
        self.cuda.log.append(("event.synchronize", self.stream_name()))
        self.complete()

    def query(self) -> bool:
        return self.stream is None or all(op.done for op in self.stream.ops[: self.upto])

    def wait(self, stream: FakeStream | None = None) -> None:
        (stream if stream is not None else self.cuda.current_stream(None)).wait_event(self)


class FakeCuda:
    """The ops object of transfer.py, simulated on the CPU. See the module docstring."""

    def __init__(self) -> None:
        self.log: list[tuple] = []
        self.violations: list[str] = []
        self.default = FakeStream(self, "default")
        self.streams = [self.default]
        self.context: list[FakeStream] = []
        self.pinned: set[int] = set()
        self.on_device: set[int] = set()
        self.producer: dict[int, FakeOp] = {}  # device tensor -> the "kernel" computing it
        self.copies: list[dict] = []
        self.recorded: dict[int, set[str]] = {}
        self._keep: list[torch.Tensor] = []  # storages stay alive: pointers stay unique

    # -- the ops interface
    def pin(self, t: torch.Tensor) -> torch.Tensor:
        self.log.append(("pin", tuple(t.shape)))
        pinned = t.clone()
        self.pinned.add(_ptr(pinned))
        self._keep.append(pinned)
        return pinned

    def is_pinned(self, t: torch.Tensor) -> bool:
        return _ptr(t) in self.pinned

    def copy(self, t: torch.Tensor, device, *, non_blocking: bool) -> torch.Tensor:
        device = torch.device(device)
        to_gpu = device.type == "cuda"
        out = garbage_like(t)
        if to_gpu:
            out = out.as_subclass(OnFakeGpu)
        self._keep.append(out)
        (self.on_device if to_gpu else self.pinned).add(_ptr(out))  # torch pins a D2H result
        self._transfer(out, t, non_blocking, "copy")
        return out

    def copy_into(self, dst: torch.Tensor, src: torch.Tensor, *, non_blocking: bool):
        self._transfer(dst, src, non_blocking, "copy_into")
        return dst

    def _transfer(self, dst, src, non_blocking: bool, how: str) -> None:
        """Queue (or, when CUDA would block, do at once) a copy between host and "GPU"."""
        stream = self.current_stream(None)
        to_gpu = _ptr(dst) in self.on_device
        host = src if to_gpu else dst
        pinned = _ptr(host) in self.pinned
        record = {
            "how": how,
            "to_gpu": to_gpu,
            "non_blocking": non_blocking,
            "pinned": pinned,
            "stream": stream.name,
            "dst": _ptr(dst),
            "done": None,
        }
        producer = self.producer.get(_ptr(src))
        # from pageable memory CUDA stages the data at once; from pinned memory the DMA
        # reads the source when it runs
        source = src.clone() if to_gpu and not pinned else src

        def run() -> None:
            if producer is not None and not producer.done:
                self.violations.append(
                    "a copy read a GPU tensor before the work that computes it had finished "
                    "(the copy ran on another stream that did not wait for it)"
                )
            dst.copy_(source)

        if non_blocking and (to_gpu or pinned):
            record["done"] = stream.enqueue(run)
        else:  # CUDA blocks the host: the stream's earlier work, then the copy
            stream.complete_until(len(stream.ops))
            run()
        self.copies.append(record)
        self.log.append((how, "to_gpu" if to_gpu else "to_cpu", non_blocking, stream.name))

    def new_stream(self, device) -> FakeStream:
        stream = FakeStream(self, f"side{len(self.streams)}")
        self.streams.append(stream)
        self.log.append(("new_stream", stream.name))
        return stream

    def current_stream(self, device) -> FakeStream:
        return self.context[-1] if self.context else self.default

    @contextlib.contextmanager
    def use(self, stream: FakeStream):
        self.log.append(("use", stream.name))
        self.context.append(stream)
        try:
            yield stream
        finally:
            self.context.pop()

    def new_event(self) -> FakeEvent:
        return FakeEvent(self)

    def record_stream(self, t: torch.Tensor, stream: FakeStream) -> None:
        self.log.append(("record_stream", stream.name))
        self.recorded.setdefault(_ptr(t), set()).add(stream.name)

    def synchronize(self, device) -> None:
        self.log.append(("synchronize",))
        for stream in self.streams:
            stream.complete_until(len(stream.ops))

    # -- for the tests
    def device_tensor(self, values: torch.Tensor) -> torch.Tensor:
        """A "GPU" tensor whose values a kernel still queued on the default stream computes."""
        x = garbage_like(values).as_subclass(OnFakeGpu)
        self._keep.append(x)
        self.on_device.add(_ptr(x))
        self.producer[_ptr(x)] = self.default.enqueue(lambda: x.copy_(values))
        return x

    def pinned_tensor(self, values: torch.Tensor) -> torch.Tensor:
        t = values.clone()
        self._keep.append(t)
        self.pinned.add(_ptr(t))
        return t

    def use_on_device(self, t: torch.Tensor, results: dict, key) -> None:
        """A kernel on the current stream that reads t (its values land in results[key])."""
        self.current_stream(None).enqueue(lambda: results.__setitem__(key, t.clone()))

    def finish(self) -> None:
        """Let the GPU run dry: the default stream first, so side work runs as late as the
        waits allow."""
        for stream in self.streams:
            stream.complete_until(len(stream.ops))

    def calls(self, name: str) -> list[tuple]:
        return [entry for entry in self.log if entry[0] == name]


def check_no_violations(cuda: FakeCuda, what: str, mistake: str) -> None:
    __tracebackhide__ = True
    if cuda.violations:
        raise AssertionError(f"{what}: {cuda.violations[0]}. Likely mistake: {mistake}")


def shape(t: torch.Tensor) -> str:
    return "(" + ", ".join(str(s) for s in t.shape) + ("," if t.dim() == 1 else "") + ")"


class Recorder:
    """An ops object that records every call and allows none of them."""

    def __init__(self) -> None:
        self.called: list[str] = []

    def __getattr__(self, name: str):
        def call(*args, **kwargs):
            self.called.append(name)
            raise AssertionError(f"ops.{name}() called")

        return call


# ----------------------------------------------------------------------------- task 1


@pytest.mark.task(1)
@pytest.mark.parametrize("pinned", [False, True], ids=["pageable", "pinned"])
def test_to_device_copies_without_blocking(pinned):
    gen = torch.Generator().manual_seed(57)
    for target in ("cuda", "cuda:1", torch.device("cuda", 0)):
        cuda = FakeCuda()
        values = torch.randn(4, 6, generator=gen)
        batch = cuda.pinned_tensor(values) if pinned else values.clone()
        what = (
            f"to_device(batch (4, 6) in {'pinned' if pinned else 'pageable'} memory, "
            f"{target!r}, ops=stand-in)"
        )
        out = kata.to_device(batch, target, ops=cuda)
        if cuda.calls("pin"):
            raise AssertionError(
                f"{what} called ops.pin. Likely mistake: pin_memory() right before the copy: "
                f"that is a blocking host copy into page-locked memory, which CUDA makes "
                f"anyway for a pageable source (usually slower, says PyTorch's tutorial on "
                f"non_blocking and pin_memory). Pin in the DataLoader (pin_memory=True)."
            )
        if len(cuda.copies) != 1 or not cuda.copies[0]["to_gpu"]:
            raise AssertionError(
                f"{what} made {len(cuda.copies)} copies; expected one ops.copy to {target}. "
                f"Likely mistake: "
                + (
                    "no ops.copy at all (the batch returned as it is)."
                    if not cuda.copies
                    else "a copy back to the host, or a second copy (a staging copy first)."
                )
            )
        if not cuda.copies[0]["non_blocking"]:
            raise AssertionError(
                f"{what}: the copy was made with non_blocking=False, so the host waits for "
                f"it. Likely mistake: ops.copy(batch, device, non_blocking=True) lets the "
                f"host go on; kernels queued after it on the stream still see the values."
            )
        if cuda.copies[0]["stream"] != "default":
            raise AssertionError(
                f"{what}: the copy was issued on a side stream, not the current one; expected "
                f"the current stream, so that kernels queued after it see the values. Likely "
                f"mistake: a `with ops.use(stream):` around the copy (that belongs to prefetch)."
            )
        results: dict = {}
        cuda.use_on_device(out, results, "out")  # a kernel after the copy, same stream
        cuda.finish()
        assert_tensor_close(results["out"], values, what=f"{what}: the copy, once it has run")
        assert_tensor_close(batch, values, what=f"{what}: batch afterwards")


@pytest.mark.task(1)
@pytest.mark.parametrize("target", ["cpu", torch.device("cpu"), "meta"])
def test_to_device_on_the_cpu_returns_the_batch_and_touches_no_cuda(target):
    batch = torch.randn(3, 2)
    ops = Recorder()
    what = f"to_device(batch (3, 2), {target!r}, ops=recorder)"
    try:
        out = kata.to_device(batch, target, ops=ops)
    except AssertionError as err:
        if not ops.called:
            raise
        raise AssertionError(
            f"{what} called ops.{ops.called[0]}(); for a device that is not CUDA no ops "
            f"call is needed, and on a machine without a GPU pin_memory() and every CUDA "
            f"call raise. Likely mistake: no device check first; return batch itself."
        ) from err
    if out is not batch:
        raise AssertionError(
            f"{what} returned {describe(out)}; expected batch itself (no copy). Likely "
            f"mistake: batch.to(device) or a clone for a device that is not CUDA."
        )


@pytest.mark.task(1)
def test_to_device_on_this_machine_with_the_real_ops():
    """The default ops are torch's own: for the CPU they must not be called at all."""
    batch = torch.randn(5)
    out = kata.to_device(batch, "cpu")
    if out is not batch:
        raise AssertionError(
            f"to_device(batch (5,), 'cpu') returned {describe(out)}; expected batch itself."
        )


@pytest.mark.task(1)
def test_to_device_refuses_a_batch_that_is_not_in_host_memory():
    batch = torch.empty(2, 3, device="meta")
    assert_raises(
        ValueError,
        kata.to_device,
        batch,
        "cuda",
        ops=FakeCuda(),
        what="to_device(batch (2, 3) on the meta device, 'cuda')",
        mistake="no check that batch.device.type == 'cpu'.",
    )


# ----------------------------------------------------------------------------- task 2


@pytest.mark.task(2)
def test_host_buffer_is_pinned_once_with_the_shape_and_dtype():
    for dtype in (torch.float32, torch.int64):
        cuda = FakeCuda()
        like = cuda.device_tensor(torch.zeros(3, 5, dtype=dtype))
        name = str(dtype).removeprefix("torch.")
        what = f"host_buffer(like (3, 5) {name} on the GPU, ops=stand-in)"
        out = kata.host_buffer(like, ops=cuda)
        if not isinstance(out, torch.Tensor) or type(out) is not torch.Tensor:
            raise AssertionError(
                f"{what} returned {describe(out)}; expected a host tensor. Likely mistake: "
                f"returning like itself or a device tensor instead of a new host buffer."
            )
        if out.shape != (3, 5) or out.dtype != dtype:
            raise AssertionError(
                f"{what} returned {describe(out)}; expected (3, 5) {name}. Likely mistake: a "
                f"buffer made without like's shape or dtype (torch.empty(like.shape) is float32)."
            )
        if not cuda.is_pinned(out) or len(cuda.calls("pin")) != 1:
            raise AssertionError(
                f"{what}: the buffer is not pinned (ops.pin called {len(cuda.calls('pin'))} "
                f"times). A non-blocking copy into pageable memory is synchronous; pin the "
                f"buffer once, here."
            )


@pytest.mark.task(2)
def test_host_buffer_of_a_cpu_tensor_needs_no_cuda():
    like = torch.randn(2, 4).double()
    ops = Recorder()
    what = "host_buffer(like (2, 4) float64 on the CPU, ops=recorder)"
    try:
        out = kata.host_buffer(like, ops=ops)
    except AssertionError as err:
        if not ops.called:
            raise
        raise AssertionError(
            f"{what} called ops.{ops.called[0]}(); a buffer for a CPU tensor needs no pinning "
            f"(and pin_memory() raises without a GPU)."
        ) from err
    if not isinstance(out, torch.Tensor) or out.shape != (2, 4) or out.dtype != torch.float64:
        raise AssertionError(f"{what} returned {describe(out)}; expected (2, 4) float64.")
    if out.untyped_storage().data_ptr() == like.untyped_storage().data_ptr():
        raise AssertionError(
            f"{what} returned like itself; expected a new tensor. Likely mistake: no buffer "
            f"made for a CPU tensor (torch.empty_like(like) is one)."
        )


def fake_out(cuda: FakeCuda, shape, dtype=torch.float32) -> torch.Tensor:
    return cuda.pinned_tensor(torch.full(shape, -1.0, dtype=dtype))


@pytest.mark.task(2)
def test_to_host_waits_for_the_copy_before_returning():
    gen = torch.Generator().manual_seed(2)
    for rows in (1, 5):
        cuda = FakeCuda()
        values = torch.randn(rows, 7, generator=gen)
        x = cuda.device_tensor(values)  # still being computed by a queued kernel
        out = fake_out(cuda, (rows, 7))
        what = f"to_host(x {shape(values)} on the GPU, out (pinned), ops=stand-in)"
        result = kata.to_host(x, out, ops=cuda)
        got = out.clone()  # the host reads it now
        check_no_violations(
            cuda,
            what,
            "the copy issued on a new stream that does not wait for x's stream; copy on "
            "ops.current_stream(x.device).",
        )
        if result is not out:
            raise AssertionError(
                f"{what} returned {describe(result)}, not out itself. Likely mistake: "
                + (
                    "no return statement (return out)."
                    if result is None
                    else "a new host tensor every call (ops.copy(x, 'cpu', ...) pins a fresh "
                    "one each time); copy into the buffer made once with host_buffer(x)."
                )
            )
        copies = [c for c in cuda.copies if c["dst"] == _ptr(out)]
        if len(cuda.copies) != 1 or not copies or not copies[0]["non_blocking"]:
            raise AssertionError(
                f"{what}: expected one ops.copy_into(out, x, non_blocking=True); the copies "
                f"were {cuda.copies}. Likely mistake: "
                + (
                    "the copy made with non_blocking=False."
                    if copies and not copies[0]["non_blocking"]
                    else "a copy into another tensor than out, or more than one copy."
                )
            )
        if bool((got == -1.0).all()) or torch.isnan(got).any():
            synced = [e for e in cuda.log if e[0].endswith("synchronize")]
            raise AssertionError(
                f"{what} returned before the values had arrived: out still held its old "
                f"contents. Likely mistake: "
                + (
                    f"synchronising the wrong stream or event ({synced}): wait for an event "
                    f"recorded after the copy, on the stream the copy ran on."
                    if synced
                    else "reading the result before synchronising: record an event after "
                    "the copy and event.synchronize() before returning."
                )
            )
        assert_tensor_close(got, values, what=what)
        cuda.finish()
        assert_tensor_close(
            x.as_subclass(torch.Tensor),
            values,
            what=f"{what}: x afterwards",
            mistake="an in-place op on x, the copy's source.",
        )


@pytest.mark.task(2)
def test_to_host_of_a_cpu_tensor_copies_into_out():
    x = torch.randn(4)
    out = torch.zeros(4)
    ops = Recorder()
    what = "to_host(x (4,) on the CPU, out (4,), ops=recorder)"
    try:
        result = kata.to_host(x, out, ops=ops)
    except AssertionError as err:
        if not ops.called:
            raise
        raise AssertionError(
            f"{what} called ops.{ops.called[0]}(); a CPU tensor needs no CUDA call."
        ) from err
    if result is not out:
        raise AssertionError(
            f"{what} returned {describe(result)}; expected out itself. Likely mistake: "
            f"x.clone() or x itself returned instead of copying into out (out.copy_(x))."
        )
    assert_tensor_close(out, x, what=f"{what}: out afterwards")


@pytest.mark.task(2)
def test_to_host_refuses_a_buffer_that_does_not_fit():
    cuda = FakeCuda()
    x = cuda.device_tensor(torch.randn(3, 4))
    cases = [
        (torch.zeros(3, 4), "a pageable out (not pinned): a copy into it is synchronous"),
        (fake_out(cuda, (4, 3)), "out of shape (4, 3)"),
        (fake_out(cuda, (3, 4), torch.float64), "out of dtype float64"),
    ]
    for out, label in cases:
        assert_raises(
            ValueError,
            kata.to_host,
            x,
            out,
            ops=cuda,
            what=f"to_host(x (3, 4) float32 on the GPU, {label})",
            mistake="no check of out (shape, dtype, pinned): make it with host_buffer(x).",
        )


# ----------------------------------------------------------------------------- task 3


class Source:
    """An iterable of host batches that counts how many were taken."""

    def __init__(self, batches: list[torch.Tensor]) -> None:
        self.batches = batches
        self.taken = 0

    def __iter__(self):
        for batch in self.batches:
            self.taken += 1
            yield batch


def make_batches(seed: int, n: int, rows: int = 4, last: int | None = None) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    batches = [torch.randn(rows, 3, generator=gen) for _ in range(n)]
    if last is not None:
        batches.append(torch.randn(last, 3, generator=gen))
    return batches


def run_prefetch(batches, what: str, *, pinned: bool = True):
    """Consume prefetch(...) as a training loop would: a kernel reads each batch on the
    current stream. Returns the stand-in, the results and per batch what was true then."""
    __tracebackhide__ = True
    cuda = FakeCuda()
    if pinned:  # as DataLoader(pin_memory=True) hands them out
        batches = [cuda.pinned_tensor(b) for b in batches]
    source = Source(batches)
    results: dict = {}
    seen = []
    for i, out in enumerate(kata.prefetch(source, "cuda", ops=cuda)):
        copy = cuda.copies[i] if i < len(cuda.copies) else None
        seen.append(
            {
                "taken": source.taken,
                "copies": len(cuda.copies),
                "done": copy is not None and copy["done"] is not None and copy["done"].done,
                "ptr": _ptr(out),
            }
        )
        cuda.use_on_device(out, results, i)
    cuda.finish()
    if len(results) != len(batches):
        raise AssertionError(
            f"{what} yielded {len(results)} batches; expected {len(batches)}. Likely mistake: "
            + (
                "the last prefetched batch never yielded (the loop ends before it)."
                if len(results) == len(batches) - 1
                else "batches skipped or yielded twice."
            )
        )
    return cuda, results, seen


@pytest.mark.task(3)
@pytest.mark.parametrize("pinned", [True, False], ids=["pinned", "pageable"])
def test_prefetch_yields_every_batch_intact(pinned):
    for n, last in ((5, 2), (1, None), (2, 1)):
        batches = make_batches(n, n, last=last)
        what = (
            f"prefetch({len(batches)} {'pinned' if pinned else 'pageable'} batches of "
            f"{[len(b) for b in batches]} rows, 'cuda', ops=stand-in), each read by a kernel "
            f"on the current stream"
        )
        _, results, _ = run_prefetch(batches, what, pinned=pinned)
        for i, batch in enumerate(batches):
            if torch.isnan(results[i]).any():
                raise AssertionError(
                    f"{what}: the kernel reading batch {i} ran before its copy had finished "
                    f"(it saw NaN). Likely mistake: the consumer's stream does not wait for "
                    f"the copy: ops.current_stream(device).wait_event(copy_event) before "
                    f"yielding."
                )
            assert_tensor_close(results[i], batch, what=f"{what}: batch {i} as the kernel saw it")


@pytest.mark.task(3)
def test_prefetch_never_pins():
    batches = make_batches(3, 6)
    what = "prefetch(6 pageable batches (4, 3), 'cuda', ops=stand-in)"
    cuda, _, _ = run_prefetch(batches, what, pinned=False)
    pins = cuda.calls("pin")
    if pins:
        raise AssertionError(
            f"{what} called ops.pin {len(pins)} times. Likely mistake: pinning inside the hot "
            f"loop every time: each pin_memory() is a blocking host copy (and a page-locked "
            f"allocation) in the training loop's thread, which CUDA would make anyway for a "
            f"pageable batch. Let DataLoader(pin_memory=True) pin in its background thread."
        )
    if not all(c["non_blocking"] and c["to_gpu"] for c in cuda.copies):
        raise AssertionError(
            f"{what}: every copy must be ops.copy(batch, device, non_blocking=True); the copies "
            f"were {cuda.copies}. Likely mistake: non_blocking=False (or left out) on a copy."
        )


@pytest.mark.task(3)
def test_prefetch_copies_on_one_side_stream_and_hands_over_without_blocking():
    batches = make_batches(4, 5)
    what = "prefetch(5 pinned batches (4, 3), 'cuda', ops=stand-in)"
    cuda, _, seen = run_prefetch(batches, what)
    streams = {c["stream"] for c in cuda.copies}
    if "default" in streams:
        raise AssertionError(
            f"{what} issued copies on the current stream: they then wait for the compute "
            f"queued before them and cannot overlap it. Likely mistake: no "
            f"`with ops.use(side):` around the copy."
        )
    if len(cuda.calls("new_stream")) != 1 or len(streams) != 1:
        raise AssertionError(
            f"{what} made {len(cuda.calls('new_stream'))} streams; expected one side stream, "
            f"made once. Likely mistake: a new stream per batch (made inside the loop)."
        )
    for i, state in enumerate(seen):
        if state["done"]:
            raise AssertionError(
                f"{what}: batch {i}'s copy had already finished when the batch was yielded: "
                f"the host waited for it. Likely mistake: event.synchronize() (or "
                f"side.synchronize()) before yielding; make the consumer's stream wait on the "
                f"GPU instead: ops.current_stream(device).wait_event(event)."
            )
        if "default" not in cuda.recorded.get(state["ptr"], set()):
            raise AssertionError(
                f"{what}: batch {i} was not passed to ops.record_stream(batch, consumer "
                f"stream). It was allocated on the side stream; without it the allocator may "
                f"give its memory to the next copy while the consumer still reads it."
            )


@pytest.mark.task(3)
def test_prefetch_copies_the_next_batch_before_yielding_this_one():
    batches = make_batches(5, 5)
    what = "prefetch(Source of 5 batches, 'cuda', ops=stand-in)"
    _, _, seen = run_prefetch(batches, what)
    for i, state in enumerate(seen):
        wanted = min(i + 2, len(batches))
        if state["copies"] < wanted:
            raise AssertionError(
                f"{what}: when batch {i} was yielded, {state['copies']} copies had been "
                f"issued; expected {wanted}: batch {i + 1}'s copy starts first, so that it "
                f"runs while batch {i} is used. Likely mistake: copying a batch only when it "
                f"is asked for (no prefetching)."
            )
        if state["taken"] > i + 2:
            raise AssertionError(
                f"{what}: when batch {i} was yielded, {state['taken']} batches had been taken "
                f"from the source; expected at most {i + 2} (one ahead). Likely mistake: "
                f"list(batches) up front, which loads the whole epoch."
            )


@pytest.mark.task(3)
def test_prefetch_of_nothing_yields_nothing():
    got = list(kata.prefetch(iter([]), "cuda", ops=FakeCuda()))
    if got:
        raise AssertionError(
            f"prefetch(no batches, 'cuda') yielded {len(got)} batches; expected none. Likely "
            f"mistake: a placeholder yielded when the source is empty (a None first batch)."
        )


@pytest.mark.task(3)
def test_prefetch_on_the_cpu_yields_the_batches_themselves():
    batches = make_batches(6, 3)
    ops = Recorder()
    what = "prefetch(3 batches, 'cpu', ops=recorder)"
    try:
        got = list(kata.prefetch(batches, "cpu", ops=ops))
    except AssertionError as err:
        if not ops.called:
            raise
        raise AssertionError(
            f"{what} called ops.{ops.called[0]}(): without a GPU, pinning and streams raise. "
            f"For a device that is not CUDA, yield the batches as they are."
        ) from err
    if len(got) != 3 or any(a is not b for a, b in zip(got, batches, strict=True)):
        raise AssertionError(
            f"{what} yielded {describe(got)}; expected the three batches themselves. Likely "
            f"mistake: copies (batch.to(device), clone) for a device that is not CUDA."
        )


@pytest.mark.task(3)
def test_prefetch_refuses_a_batch_that_is_not_in_host_memory():
    batches = [*make_batches(7, 2), torch.empty(4, 3, device="meta")]
    assert_raises(
        ValueError,
        lambda: list(kata.prefetch(batches, "cuda", ops=FakeCuda())),
        what="prefetch(two host batches, then one on the meta device, 'cuda')",
        mistake="no check that each batch is in host memory.",
    )


# ----------------------------------------------------------------------------- on a GPU


class RealRecording:
    """The module's real CUDA ops, recording what ops.pin returned."""

    def __init__(self) -> None:
        self.ops = kata._CudaOps()
        self.pinned: list[torch.Tensor] = []

    def pin(self, t):
        out = self.ops.pin(t)
        self.pinned.append(out)
        return out

    def __getattr__(self, name):
        return getattr(self.ops, name)


@pytest.mark.cuda
@pytest.mark.task(1)
def test_to_device_on_a_gpu(device):
    gen = torch.Generator().manual_seed(11)
    for pinned in (False, True):
        batch = torch.randn(256, 512, generator=gen)
        if pinned:
            batch = batch.pin_memory()
        ops = RealRecording()
        out = kata.to_device(batch, device, ops=ops)
        what = f"to_device(batch (256, 512){' pinned' if pinned else ''}, 'cuda')"
        if out.device.type != "cuda" or ops.pinned:
            raise AssertionError(
                f"{what} returned a tensor on {out.device} and pinned {len(ops.pinned)} tensors; "
                f"expected a CUDA tensor and no pinning."
            )
        assert_tensor_close((out * 2).cpu(), batch * 2, what=what)


@pytest.mark.cuda
@pytest.mark.task(2)
def test_to_host_on_a_gpu(device):
    gen = torch.Generator(device=device).manual_seed(12)
    a = torch.randn(2048, 2048, device=device, generator=gen) / 45
    ops = RealRecording()
    out = kata.host_buffer(a, ops=ops)
    if not (out.device.type == "cpu" and out.is_pinned() and out.shape == a.shape):
        raise AssertionError(
            f"host_buffer(a (2048, 2048) on the GPU) returned {describe(out)}, pinned="
            f"{out.is_pinned()}; expected a pinned (2048, 2048) host tensor."
        )
    for step in range(3):  # the same buffer, reused
        x = a
        for _ in range(20):  # milliseconds of queued work before x is ready
            x = torch.tanh(x @ a)
        result = kata.to_host(x, out)
        got = result.clone()  # read on the host at once, before anything else synchronises
        assert_tensor_close(
            got,
            x.cpu(),
            what=f"to_host(x (2048, 2048) after 20 queued matmuls, out), step {step}",
            mistake="reading the result before synchronising (record an event after the copy "
            "and synchronize it), or waiting on another stream than the copy's.",
        )
        a = a.flip(0)
    if len(ops.pinned) != 1:
        raise AssertionError(f"host_buffer pinned {len(ops.pinned)} tensors; expected 1.")


@pytest.mark.cuda
@pytest.mark.task(3)
def test_prefetch_on_a_gpu(device):
    gen = torch.Generator().manual_seed(13)
    batches = [torch.randn(512, 1024, generator=gen).pin_memory() for _ in range(7)]
    batches.append(torch.randn(100, 1024, generator=gen))  # a pageable one too
    weight = torch.randn(1024, 256, generator=gen)
    stream_before = torch.cuda.current_stream(device)
    outputs = []
    for out in kata.prefetch(batches, device):
        if not out.is_cuda:
            raise AssertionError(f"prefetch(8 batches, 'cuda') yielded a tensor on {out.device}.")
        outputs.append((out @ weight.to(device)).relu().sum(dim=0))
    torch.cuda.synchronize(device)
    if torch.cuda.current_stream(device) != stream_before:
        raise AssertionError("prefetch(...) left another stream current after it finished.")
    for i, (got, batch) in enumerate(zip(outputs, batches, strict=True)):
        assert_tensor_close(
            got.cpu(),
            (batch @ weight).relu().sum(dim=0),
            what=f"prefetch(8 batches, 'cuda'): batch {i} as used on the GPU",
            rtol=1e-3,
            atol=1e-2,
            mistake="the consumer's stream not waiting for the copy's event.",
        )
