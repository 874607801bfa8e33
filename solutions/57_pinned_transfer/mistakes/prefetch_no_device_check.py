"""Mistake: no check that the batches are in host memory.

A batch already on a device (or on meta) is not a host-to-device copy at all.
"""

import torch

CAUGHT_BY = "no check that each batch is in host memory"
REJECTED_BY = "test_prefetch_refuses_a_batch_that_is_not_in_host_memory"


def prefetch(batches, device, ops=None):
    device = torch.device(device)
    if device.type != "cuda":
        yield from batches
        return
    side = ops.new_stream(device)
    waiting = None
    for batch in batches:
        with ops.use(side):
            on_device = ops.copy(batch, device, non_blocking=True)
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
