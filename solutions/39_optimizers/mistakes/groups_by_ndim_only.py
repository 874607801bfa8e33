"""Mistake: no decay exactly for the parameters with at most one dimension.

It catches biases and most norm weights, but LayerNorm over a 2-d normalized_shape has a
2-d weight, which this rule decays.
"""

CAUGHT_BY = "not only 1-d ones"
REJECTED_BY = "test_groups_hold_exactly_the_right_parameters"


def param_groups(model, weight_decay):
    if weight_decay < 0:
        raise ValueError("negative weight decay")
    params = list(model.parameters())
    return [
        {"params": [p for p in params if p.ndim > 1], "weight_decay": weight_decay},
        {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0},
    ]
