"""Mistake: nn.Linear(in_features, num_classes) without the old head's device and dtype.

A new module is float32 on the CPU: on a float64 or CUDA model the next forward pass fails
with a dtype or device mismatch.
"""

from torch import nn

CAUGHT_BY = "without the old head's device and dtype"
REJECTED_BY = "test_new_head_is_on_the_old_heads_device_and_dtype"


def replace_head(model, num_classes):
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    model.fc = nn.Linear(model.fc.in_features, num_classes)
    return model.fc
