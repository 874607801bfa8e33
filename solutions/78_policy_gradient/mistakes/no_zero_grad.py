"""Mistake: loss.backward() into theta.grad every step, never zeroed.

backward() accumulates: step k updates with the sum of all k gradients so far, a growing,
stale step that has nothing to do with this batch.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "gradients accumulated across steps"
REJECTED_BY = "test_training_equals_a_reference_loop"

solution = solution_for(__file__)


def train_bandit(bandit, steps, batch_size, lr, generator):
    theta = torch.zeros(
        bandit.num_arms, dtype=bandit.means.dtype, device=bandit.means.device, requires_grad=True
    )
    for _ in range(steps):
        probs = torch.softmax(theta.detach(), dim=0)
        actions = torch.multinomial(probs.cpu(), batch_size, replacement=True, generator=generator)
        actions = actions.to(theta.device)
        rewards = bandit.pull(actions)
        logits = theta.expand(batch_size, 1, -1)
        loss = solution.reinforce_loss(logits, actions[:, None], rewards[:, None], 1.0, "mean")
        loss.backward()
        with torch.no_grad():
            theta -= lr * theta.grad
    return theta.detach().clone()
