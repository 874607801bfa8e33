"""Mistake: to_device()'s recursive helper has no final `return batch` for non-tensors.

Ints, strings and None fall off the end of the function and come back as None.
"""

from torch import Tensor

CAUGHT_BY = "leave non-tensors alone"
REJECTED_BY = "test_to_device_moves_model_and_nested_batch"


def _move(batch, device):
    if isinstance(batch, Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {key: _move(value, device) for key, value in batch.items()}
    if isinstance(batch, list | tuple):
        return type(batch)(_move(item, device) for item in batch)


def to_device(model, batch, device):
    return model.to(device), _move(batch, device)
