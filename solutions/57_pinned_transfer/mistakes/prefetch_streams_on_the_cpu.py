"""Mistake: the CPU path goes through streams too.

Without a GPU, torch.cuda.Stream raises; for a CPU target the batches are already where
they belong.
"""

import torch

CAUGHT_BY = "without a GPU, pinning and streams raise"
REJECTED_BY = "test_prefetch_on_the_cpu_yields_the_batches_themselves"


def prefetch(batches, device, ops=None):
    device = torch.device(device)
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
    consumer.wait_event(copied)
    ops.record_stream(on_device, consumer)
    return on_device
