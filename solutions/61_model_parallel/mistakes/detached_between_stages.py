"""Mistake: the activation is detached on its way to the second stage.

Often written to "cut the graph" between devices: the second stage still learns, but no
gradient flows back into the first stage, which never trains.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "no gradient reached the first stage"
REJECTED_BY = "test_train_step_gives_the_whole_batch_loss_and_gradients"


def pipeline_train_step(first, second, devices, x, y, loss_fn, n):
    batch_size = x.shape[0]
    scaled = []
    for micro_x, micro_y in zip(
        solution.split_microbatches(x, n), solution.split_microbatches(y, n), strict=True
    ):
        hidden = first(micro_x.to(devices[0])).detach().to(devices[1])
        loss = loss_fn(second(hidden), micro_y.to(devices[1]))
        scaled.append(loss * (micro_y.shape[0] / batch_size))
    total = torch.stack(scaled).sum()
    total.backward()
    return total.item()
