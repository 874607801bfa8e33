"""Mistake: batch.pin_memory().to(device, non_blocking=True) on every call.

pin_memory() is a blocking copy into page-locked memory, made in the training loop's
thread: for a pageable batch CUDA makes that copy anyway, so this is usually slower than
the copy alone.
"""

import torch

CAUGHT_BY = "pin_memory() right before the copy"
REJECTED_BY = "test_to_device_copies_without_blocking"


def to_device(batch, device, ops=None):
    if batch.device.type != "cpu":
        raise ValueError("batch must be in host memory")
    if torch.device(device).type != "cuda":
        return batch
    pinned = batch if ops.is_pinned(batch) else ops.pin(batch)
    return ops.copy(pinned, device, non_blocking=True)
