"""Mistake: optimizer.step() first, then average_gradients(model).

The step has already used this rank's own gradient, so the ranks drift apart; the
averaged gradients arrive too late to matter.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "averaged after optimizer.step()"
REJECTED_BY = "test_training_equals_ddp_from_rank_0s_start"


def train_data_parallel(model, optimizer, loss_fn, batches):
    solution.broadcast_parameters(model, 0)
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        solution.average_gradients(model)
        losses.append(loss.item())
    return losses
