"""Mistake: no optimizer.zero_grad() in train_step.

backward() adds into .grad, so every step also applies all earlier batches' gradients.
The loss still falls for a while, which is why the loss curve does not show it.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "stale gradients"
REJECTED_BY = "test_train_step_equals_a_reference_step"

solution = solution_for(__file__)


def train_step(model, x, optimizer):
    loss = solution.reconstruction_loss(model(x), x)
    loss.backward()
    optimizer.step()
    return loss.item()
