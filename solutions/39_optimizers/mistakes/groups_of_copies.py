"""Mistake: the groups hold p.detach() copies instead of the Parameters themselves.

The optimizer then updates tensors that the model does not use: training changes nothing.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "are in neither group"
REJECTED_BY = "test_groups_hold_exactly_the_right_parameters"

solution = solution_for(__file__)


def param_groups(model, weight_decay):
    groups = solution.param_groups(model, weight_decay)
    return [{**g, "params": [p.detach() for p in g["params"]]} for g in groups]
