"""Mistake: the new head is nn.Linear(512, num_classes), resnet18's width hard-coded.

It happens to fit resnet18 and resnet34, and breaks on every other backbone (resnet50's
head takes 2048 features): read model.fc.in_features.
"""

from torch import nn

CAUGHT_BY = "hard-coding resnet18's 512"
REJECTED_BY = "test_new_head_takes_in_features_from_the_model"


def replace_head(model, num_classes):
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    old = model.fc
    model.fc = nn.Linear(512, num_classes, device=old.weight.device, dtype=old.weight.dtype)
    return model.fc
