"""Mistake: for p in model.parameters(): p.requires_grad = False, whatever the prefixes.

The head and every stage meant to train are frozen too: the optimizer has nothing to do.
"""

from torch import nn

CAUGHT_BY = "freezing every parameter of the model"
REJECTED_BY = "test_frozen_parameters_get_no_gradient_and_no_update"


def freeze(model, prefixes):
    modules = dict(model.named_modules())
    unknown = [p for p in prefixes if p not in modules]
    if unknown:
        raise ValueError(f"no submodule named {unknown}")
    for p in model.parameters():
        p.requires_grad = False
    for prefix in prefixes:
        for m in modules[prefix].modules():
            if isinstance(m, nn.BatchNorm2d):
                m.eval()
