"""Mistake: freezing with requires_grad_(False) only.

The parameters stop changing, but BatchNorm's running statistics are buffers updated by
every forward pass in train mode: the "frozen" layer still drifts.
"""

CAUGHT_BY = "still in train mode after freeze"
REJECTED_BY = "test_batchnorm_layers_inside_frozen_modules_are_put_in_eval_mode"


def freeze(model, prefixes):
    modules = dict(model.named_modules())
    unknown = [p for p in prefixes if p not in modules]
    if unknown:
        raise ValueError(f"no submodule named {unknown}")
    for prefix in prefixes:
        modules[prefix].requires_grad_(False)
