"""Kata 57: pinned memory, non-blocking copies, streams and events. See README.md here."""

from collections.abc import Iterable, Iterator
from typing import Any

import torch
from torch import Tensor


class _CudaOps:
    """The CUDA calls the functions below make, as methods: the tests pass a stand-in.

    Make every CUDA call through these (the streams and events they return are torch's
    own: a Stream has wait_event, wait_stream and synchronize; an Event has record,
    synchronize and query).
    """

    def pin(self, t: Tensor) -> Tensor:
        return t.pin_memory()

    def is_pinned(self, t: Tensor) -> bool:
        return t.is_pinned()

    def copy(self, t: Tensor, device: Any, *, non_blocking: bool) -> Tensor:
        return t.to(device, non_blocking=non_blocking)

    def copy_into(self, dst: Tensor, src: Tensor, *, non_blocking: bool) -> Tensor:
        return dst.copy_(src, non_blocking=non_blocking)

    def new_stream(self, device: Any) -> Any:
        return torch.cuda.Stream(device)

    def current_stream(self, device: Any) -> Any:
        return torch.cuda.current_stream(device)

    def use(self, stream: Any) -> Any:
        return torch.cuda.stream(stream)

    def new_event(self) -> Any:
        return torch.cuda.Event()

    def record_stream(self, t: Tensor, stream: Any) -> None:
        t.record_stream(stream)

    def synchronize(self, device: Any) -> None:
        torch.cuda.synchronize(device)


_CUDA = _CudaOps()


def to_device(batch: Tensor, device: Any, ops: Any = _CUDA) -> Tensor:
    """Start copying a host batch to `device`, without making the host wait for it.

    batch: a tensor in host (CPU) memory, any shape and dtype; not modified. For a CUDA
    device ("cuda", "cuda:1", torch.device("cuda", 0)): returns
    ops.copy(batch, device, non_blocking=True), issued on the current stream, so kernels
    queued after it on that stream see the copied values with no wait. The copy is
    asynchronous for the host when batch is pinned (DataLoader(pin_memory=True) pins
    batches in a background thread); from pageable memory CUDA first copies the batch into
    a pinned staging area of its own, and the host waits for that part. Do not pin here:
    pin_memory() is that same host copy, made in Python first. For any other device, the
    CPU included, returns batch itself and makes no ops call. Raises ValueError when batch
    is not on the CPU.
    """
    if batch.device.type != "cpu":
        raise ValueError(f"batch must be in host memory, got a tensor on {batch.device}")
    if torch.device(device).type != "cuda":
        return batch
    return ops.copy(batch, device, non_blocking=True)


def host_buffer(like: Tensor, ops: Any = _CUDA) -> Tensor:
    """A host tensor to receive copies of `like` over and over: made once, and pinned.

    For a CUDA tensor `like`: ops.pin(torch.empty(like.shape, dtype=like.dtype)), a
    page-locked tensor of like's shape and dtype on the CPU (copies into pinned memory can
    run asynchronously; into pageable memory they cannot). Make it once, before the loop,
    and reuse it: pinning allocates page-locked memory, which is slow and scarce. For a CPU
    tensor `like`: torch.empty(like.shape, dtype=like.dtype), with no ops call. like is not
    modified.
    """
    buffer = torch.empty(like.shape, dtype=like.dtype)
    if like.device.type == "cpu":
        return buffer
    return ops.pin(buffer)


def to_host(x: Tensor, out: Tensor, ops: Any = _CUDA) -> Tensor:
    """Copy x into the host buffer out, and return out once the host may read it.

    out: a CPU tensor of x's shape and dtype (from host_buffer(x)), overwritten; for a CUDA
    x it must be pinned. For a CUDA x: ops.copy_into(out, x, non_blocking=True) on x's
    current stream (so the copy runs after the work that computes x), an event recorded on
    that stream after it, and event.synchronize() before returning: until the copy has run,
    out holds old values. For a CPU x: out.copy_(x), no ops call. Returns out itself.
    x is not modified. Raises ValueError when out is not on the CPU, has another shape or
    dtype, or (for a CUDA x) is not pinned: a copy into pageable memory cannot be
    asynchronous.
    """
    if out.device.type != "cpu" or out.shape != x.shape or out.dtype != x.dtype:
        raise ValueError(
            f"out must be a CPU tensor of shape {tuple(x.shape)} and dtype {x.dtype}; got "
            f"{tuple(out.shape)} {out.dtype} on {out.device}"
        )
    if x.device.type == "cpu":
        return out.copy_(x)
    if not ops.is_pinned(out):
        raise ValueError("out must be pinned (make it once with host_buffer(x))")
    stream = ops.current_stream(x.device)
    ops.copy_into(out, x, non_blocking=True)
    copied = ops.new_event()
    copied.record(stream)
    copied.synchronize()  # the host reads `out` next: the copy must have finished
    return out


def prefetch(batches: Iterable[Tensor], device: Any, ops: Any = _CUDA) -> Iterator[Tensor]:
    """Yield each host batch on `device`, copying the next one while the current is used.

    batches: an iterable of host tensors (pinned ones, as DataLoader(pin_memory=True) makes
    them, copy asynchronously; pageable ones are staged by CUDA). For a CUDA device: one side
    stream, made once with ops.new_stream(device); each batch is sent with
    ops.copy(batch, device, non_blocking=True) inside `with ops.use(side):`, and an event is
    recorded on the side stream after it. Batch i + 1's copy is issued before batch i is
    yielded, and no batch is read sooner (one ahead of the consumer). Before a batch is
    yielded, the consumer's stream (ops.current_stream(device), outside the side stream)
    waits for its copy's event (stream.wait_event: the GPU waits, the host goes on), and
    ops.record_stream(batch, that stream) tells the allocator, which gave the memory to the
    side stream, that the consumer's stream uses it. No pinning here. A batch that is not on
    the CPU raises ValueError when it is reached. For any other device, the CPU included,
    yields the batches themselves, checks nothing and makes no ops call.
    """
    device = torch.device(device)
    if device.type != "cuda":
        yield from batches
        return
    side = ops.new_stream(device)
    waiting: tuple[Tensor, Any] | None = None  # copied, not yet yielded
    for i, batch in enumerate(batches):
        if batch.device.type != "cpu":
            raise ValueError(f"batch {i} is on {batch.device}, not in host memory")
        with ops.use(side):
            on_device = ops.copy(batch, device, non_blocking=True)
            copied = ops.new_event()
            copied.record(side)
        if waiting is not None:
            yield _hand_over(waiting, device, ops)
        waiting = (on_device, copied)
    if waiting is not None:
        yield _hand_over(waiting, device, ops)


def _hand_over(waiting: tuple[Tensor, Any], device: torch.device, ops: Any) -> Tensor:
    """Make the consumer's stream wait for a copy, and tell the allocator it uses the tensor."""
    on_device, copied = waiting
    consumer = ops.current_stream(device)
    consumer.wait_event(copied)  # the GPU waits; the host goes on
    ops.record_stream(on_device, consumer)  # allocated on the side stream, used here
    return on_device
