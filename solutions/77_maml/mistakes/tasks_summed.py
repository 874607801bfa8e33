"""Mistake: the task losses summed instead of averaged.

The documented objective is the mean: with a sum the meta-gradient (and the right outer
learning rate) scales with the number of tasks per meta-batch.
"""

import torch
from torch.func import functional_call

from torchkatas.harness import solution_for

CAUGHT_BY = "summed over the tasks"
REJECTED_BY = "test_maml_loss_equals_the_mean_query_loss_after_adaptation"

solution = solution_for(__file__)


def maml_loss(model, tasks, loss_fn, inner_lr, steps, first_order=False):
    if len(tasks) == 0:
        raise ValueError("tasks is empty")
    start = dict(model.named_parameters())
    total = 0
    for sx, sy, qx, qy in tasks:
        adapted = solution.inner_adapt(model, start, sx, sy, loss_fn, inner_lr, steps, first_order)
        total = total + loss_fn(functional_call(model, adapted, (qx,)), qy)
    return torch.as_tensor(total)
