"""Mistake: the groups collected module by module, from module.parameters(recurse=False).

A weight shared by two modules (tied embedding and output weights) is listed twice.
"""

from torch import nn

CAUGHT_BY = "appear more than once"
REJECTED_BY = "test_groups_hold_exactly_the_right_parameters"

NORMS = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.RMSNorm)


def param_groups(model, weight_decay):
    if weight_decay < 0:
        raise ValueError("negative weight decay")
    decay, no_decay = [], []
    for module in model.modules():
        for p in module.parameters(recurse=False):
            (no_decay if p.ndim <= 1 or isinstance(module, NORMS) else decay).append(p)
    return [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
