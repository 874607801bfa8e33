"""Mistake: yielding the device tensor without making the consumer's stream wait.

The copy runs on the side stream; kernels queued on the current stream may read the
tensor before it has arrived.
"""

import torch

CAUGHT_BY = "the consumer's stream does not wait"
REJECTED_BY = "test_prefetch_yields_every_batch_intact"


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
    ops.record_stream(on_device, consumer)
    return on_device
