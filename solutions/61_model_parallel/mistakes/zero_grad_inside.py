"""Mistake: the train step zeroes the stages' gradients before its backward.

loss.backward() adds to .grad, and so must the step: zeroing is the caller's choice, and
doing it inside breaks gradient accumulation over several steps.
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "zeroed inside the step"
REJECTED_BY = "test_train_step_accumulates_into_existing_gradients"


def pipeline_train_step(first, second, devices, x, y, loss_fn, n):
    first.zero_grad()
    second.zero_grad()
    return solution.pipeline_train_step(first, second, devices, x, y, loss_fn, n)
