"""Mistake: no optimizer.zero_grad() in the train step.

backward() adds into .grad, so every step also applies the gradients of earlier batches.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "stale gradients"
REJECTED_BY = "test_stale_gradients_do_not_leak_into_the_step"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, max_norm):
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    solution.clip_grad_norm(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()
