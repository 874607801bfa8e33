"""Mistake: split_model deep-copies the layers into the stages.

The stages compute the right outputs, but training them leaves the caller's model
untouched, and the memory of the model is held twice.
"""

import copy

CAUGHT_BY = "returned copies of the layers"
REJECTED_BY = "test_split_model_holds_the_models_own_layers"


def split_model(model, split, devices):
    if not 1 <= split <= len(model) - 1:
        raise ValueError(f"split must be between 1 and {len(model) - 1}, got {split}")
    first = copy.deepcopy(model[:split]).to(devices[0])
    second = copy.deepcopy(model[split:]).to(devices[1])
    return first, second
