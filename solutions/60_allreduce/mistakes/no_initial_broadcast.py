"""Mistake: training without broadcast_parameters first.

Each rank built its model with its own seed: the gradients are averaged, but the ranks
start from different weights and never agree (DDP broadcasts rank 0's when it wraps).
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "not rank 0's initial weights"
REJECTED_BY = "test_training_equals_ddp_from_rank_0s_start"


def train_data_parallel(model, optimizer, loss_fn, batches):
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        solution.average_gradients(model)
        optimizer.step()
        losses.append(loss.item())
    return losses
