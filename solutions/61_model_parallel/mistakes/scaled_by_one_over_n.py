"""Mistake: every micro-batch loss scaled by 1 / n, whatever its size.

Right when n divides the batch; with micro-batches of 3, 3, 2 and 2 rows the rows of the
small ones weigh more than the others, and the result is not the whole-batch mean.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "unequal sizes"
REJECTED_BY = "test_train_step_gives_the_whole_batch_loss_and_gradients"


def pipeline_train_step(first, second, devices, x, y, loss_fn, n):
    losses = []
    for micro_x, micro_y in zip(
        solution.split_microbatches(x, n), solution.split_microbatches(y, n), strict=True
    ):
        output = second(first(micro_x.to(devices[0])).to(devices[1]))
        losses.append(loss_fn(output, micro_y.to(devices[1])) / n)
    total = torch.stack(losses).sum()
    total.backward()
    return total.item()
