"""Mistake: average_gradients(model) between zero_grad() and loss.backward().

There is nothing to average yet (zeros); backward then fills in this rank's own
gradient, and every rank steps on its own gradient alone.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "averaged before loss.backward()"
REJECTED_BY = "test_training_equals_ddp_from_rank_0s_start"


def train_data_parallel(model, optimizer, loss_fn, batches):
    solution.broadcast_parameters(model, 0)
    losses = []
    for x, y in batches:
        optimizer.zero_grad()
        solution.average_gradients(model)
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
