"""Mistake: to_device() moves only the tensors at the top level of a dict batch.

Tensors nested in inner dicts, lists and tuples stay on the old device.
"""

from torch import Tensor

CAUGHT_BY = "nested dicts"
REJECTED_BY = "test_to_device_moves_model_and_nested_batch"


def to_device(model, batch, device):
    if isinstance(batch, Tensor):
        return model.to(device), batch.to(device)
    moved = {k: v.to(device) if isinstance(v, Tensor) else v for k, v in batch.items()}
    return model.to(device), moved
