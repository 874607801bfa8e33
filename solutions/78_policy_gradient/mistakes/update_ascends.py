"""Mistake: the update adds the gradient of the loss: theta + lr * grad.

The REINFORCE loss is minus the objective, so climbing it descends the expected reward:
the policy converges, confidently, on the worst arm.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "the update climbs the loss"
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
        (grad,) = torch.autograd.grad(loss, theta)
        with torch.no_grad():
            theta += lr * grad
    return theta.detach().clone()
