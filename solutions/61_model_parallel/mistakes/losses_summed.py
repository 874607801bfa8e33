"""Mistake: the micro-batch losses are added up without scaling.

Each micro-batch loss is already a mean over its rows: their plain sum is about n times
the whole-batch loss, and so are the gradients.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "summed without scaling"
REJECTED_BY = "test_train_step_gives_the_whole_batch_loss_and_gradients"


def pipeline_train_step(first, second, devices, x, y, loss_fn, n):
    losses = []
    for micro_x, micro_y in zip(
        solution.split_microbatches(x, n), solution.split_microbatches(y, n), strict=True
    ):
        output = second(first(micro_x.to(devices[0])).to(devices[1]))
        losses.append(loss_fn(output, micro_y.to(devices[1])))
    total = torch.stack(losses).sum()
    total.backward()
    return total.item()
