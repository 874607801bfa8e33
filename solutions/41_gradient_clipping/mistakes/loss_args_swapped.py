"""Mistake: calling loss_fn(targets, model(inputs)), the arguments swapped.

mse_loss does not care, but most losses do (cross_entropy takes logits first, targets
second): the documented call is loss_fn(model(inputs), targets).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "arguments swapped"
REJECTED_BY = "test_loss_fn_gets_the_outputs_then_the_targets"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(targets, model(inputs))
    loss.backward()
    solution.clip_grad_norm(model.parameters(), max_norm)
    optimizer.step()
    return loss.item()
