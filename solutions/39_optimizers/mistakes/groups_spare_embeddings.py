"""Mistake: nn.Embedding treated like a normalisation layer (no weight decay).

Embedding tables are ordinary weights; the usual rule decays them.
"""

from torch import nn

CAUGHT_BY = "treating nn.Embedding as a normalisation layer"
REJECTED_BY = "test_groups_hold_exactly_the_right_parameters"

SPARED = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.RMSNorm, nn.Embedding)


def param_groups(model, weight_decay):
    if weight_decay < 0:
        raise ValueError("negative weight decay")
    spared = {id(p) for m in model.modules() if isinstance(m, SPARED) for p in m.parameters(False)}
    params = list(model.parameters())
    return [
        {
            "params": [p for p in params if p.ndim > 1 and id(p) not in spared],
            "weight_decay": weight_decay,
        },
        {"params": [p for p in params if p.ndim <= 1 or id(p) in spared], "weight_decay": 0.0},
    ]
