"""Mistake: pinning each batch in the loop before copying it.

Each pin_memory() is a blocking host copy plus a page-locked allocation in the training
loop's thread; CUDA stages a pageable batch itself, and DataLoader(pin_memory=True) pins
in a background thread.
"""

import torch

CAUGHT_BY = "pinning inside the hot loop every time"
REJECTED_BY = "test_prefetch_never_pins"


def prefetch(batches, device, ops=None):
    device = torch.device(device)
    if device.type != "cuda":
        yield from batches
        return
    side = ops.new_stream(device)
    waiting = None
    for i, batch in enumerate(batches):
        if batch.device.type != "cpu":
            raise ValueError(f"batch {i} is not in host memory")
        with ops.use(side):
            on_device = ops.copy(ops.pin(batch), device, non_blocking=True)
            copied = ops.new_event()
            copied.record(side)
        if waiting is not None:
            yield hand_over(*waiting, device, ops)
        waiting = (on_device, copied)
    if waiting is not None:
        yield hand_over(*waiting, device, ops)


def hand_over(on_device, copied, device, ops):
    consumer = ops.current_stream(device)
    consumer.wait_event(copied)
    ops.record_stream(on_device, consumer)
    return on_device
