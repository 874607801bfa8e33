"""Mistake: to(device) with non_blocking=False.

The host waits for every copy to finish, although work queued after it on the same stream
would have seen the values anyway.
"""

import torch

CAUGHT_BY = "made with non_blocking=False"
REJECTED_BY = "test_to_device_copies_without_blocking"


def to_device(batch, device, ops=None):
    if batch.device.type != "cpu":
        raise ValueError("batch must be in host memory")
    if torch.device(device).type != "cuda":
        return batch
    return ops.copy(batch, device, non_blocking=False)
