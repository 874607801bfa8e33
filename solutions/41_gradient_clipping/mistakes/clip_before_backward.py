"""Mistake: clipping right after zero_grad, before loss.backward().

There are no gradients yet (or only stale ones); backward then writes unclipped gradients
that step uses.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "not clipped"
REJECTED_BY = "test_optimizer_steps_on_clipped_gradients"

solution = solution_for(__file__)


def train_step(model, inputs, targets, loss_fn, optimizer, max_norm):
    optimizer.zero_grad()
    solution.clip_grad_norm(model.parameters(), max_norm)
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
