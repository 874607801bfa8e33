"""Mistake: to_device() calls t.to(device) on each tensor and ignores the result.

nn.Module.to moves the module in place, but Tensor.to returns a new tensor: the batch
is left where it was.
"""

CAUGHT_BY = "returns a new tensor"
REJECTED_BY = "test_to_device_moves_model_and_nested_batch"


def to_device(model, batch, device):
    model.to(device)
    if hasattr(batch, "to"):
        batch.to(device)
    elif isinstance(batch, dict):
        for value in batch.values():
            if hasattr(value, "to"):
                value.to(device)
    return model, batch
