"""Mistake: to_device() moves the batch by writing into the caller's containers.

batch[key] = value.to(device) looks like it saves building a new dict, but the caller's
batch (which a DataLoader, a cache or a retry may still use) now holds the moved tensors.
"""

from torch import Tensor

CAUGHT_BY = "changed the caller's batch"
REJECTED_BY = "test_to_device_moves_model_and_nested_batch"


def _move(batch, device):
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        for key, value in batch.items():
            batch[key] = _move(value, device)
        return batch
    if isinstance(batch, list):
        for i, value in enumerate(batch):
            batch[i] = _move(value, device)
        return batch
    if isinstance(batch, tuple):
        return tuple(_move(v, device) for v in batch)
    return batch


def to_device(model, batch, device):
    return model.to(device), _move(batch, device)
