"""Mistake: the outer (meta) loss evaluated on the support set the model just adapted to.

MAML's objective is generalisation after adaptation: the query set. The support loss after
adaptation is small by construction and rewards memorising, not learning to adapt.
"""

import torch
from torch.func import functional_call

from torchkatas.harness import solution_for

CAUGHT_BY = "outer loss on the support set"
REJECTED_BY = "test_maml_loss_equals_the_mean_query_loss_after_adaptation"

solution = solution_for(__file__)


def maml_loss(model, tasks, loss_fn, inner_lr, steps, first_order=False):
    if len(tasks) == 0:
        raise ValueError("tasks is empty")
    start = dict(model.named_parameters())
    losses = []
    for sx, sy, _, _ in tasks:
        adapted = solution.inner_adapt(model, start, sx, sy, loss_fn, inner_lr, steps, first_order)
        losses.append(loss_fn(functional_call(model, adapted, (sx,)), sy))
    return torch.stack(losses).mean()
