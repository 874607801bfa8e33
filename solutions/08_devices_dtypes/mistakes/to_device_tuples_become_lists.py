"""Mistake: to_device() rebuilds every sequence as a list.

Code downstream that unpacks or hashes a tuple, or checks its type, now gets a list.
"""

from torch import Tensor

CAUGHT_BY = "keep the container types"
REJECTED_BY = "test_to_device_moves_model_and_nested_batch"


def _move(batch, device):
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: _move(v, device) for k, v in batch.items()}
    if isinstance(batch, list | tuple):
        return [_move(v, device) for v in batch]
    return batch


def to_device(model, batch, device):
    return model.to(device), _move(batch, device)
