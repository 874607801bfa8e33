"""Mistake: train_step returns the loss tensor instead of loss.item().

A caller that appends it to a list for logging keeps every step's graph alive.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "python float"
REJECTED_BY = "test_train_step_equals_a_reference_step"

solution = solution_for(__file__)


def train_step(model, x, optimizer):
    optimizer.zero_grad()
    loss = solution.reconstruction_loss(model(x), x)
    loss.backward()
    optimizer.step()
    return loss
