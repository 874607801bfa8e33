"""Mistake: returning the loss tensor instead of loss.item().

The caller accumulates it in a list for logging, keeping every batch's graph alive.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "python float"
REJECTED_BY = "test_returns_the_loss_before_the_step_as_a_float"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    solution.clip_grad_norm(model.parameters(), max_norm)
    optimizer.step()
    return loss
