"""Mistake: no decay for the parameters whose name contains "bias".

Norm layers' weights (and 1-d scales) are decayed then, pulling them towards zero.
"""

CAUGHT_BY = "are in the decay group"
REJECTED_BY = "test_groups_hold_exactly_the_right_parameters"


def param_groups(model, weight_decay):
    if weight_decay < 0:
        raise ValueError("negative weight decay")
    named = list(model.named_parameters())
    return [
        {"params": [p for n, p in named if "bias" not in n], "weight_decay": weight_decay},
        {"params": [p for n, p in named if "bias" in n], "weight_decay": 0.0},
    ]
