"""Mistake: clipping after optimizer.step().

The update has already used the unclipped gradients; clipping afterwards changes nothing
that matters.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "not clipped"
REJECTED_BY = "test_optimizer_steps_on_clipped_gradients"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, max_norm):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    solution.clip_grad_norm(model.parameters(), max_norm)
    return loss.item()
