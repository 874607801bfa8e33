"""Mistake: matching parameter names against the prefixes, with no check that each names
a submodule.

A typo ("layer5", "layers1") freezes nothing and raises nothing: the run trains layers
meant to be frozen and nobody notices.
"""

from torch import nn

CAUGHT_BY = "names no submodule must raise"
REJECTED_BY = "test_an_unknown_name_raises_before_anything_is_frozen"


def freeze(model, prefixes):
    for name, p in model.named_parameters():
        if any(name.startswith(prefix + ".") for prefix in prefixes):
            p.requires_grad_(False)
    for name, m in model.named_modules():
        if isinstance(m, nn.BatchNorm2d) and any(
            name == prefix or name.startswith(prefix + ".") for prefix in prefixes
        ):
            m.eval()
