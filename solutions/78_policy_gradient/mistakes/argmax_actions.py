"""Mistake: the training loop takes the policy's favourite arm instead of sampling.

With no exploration the policy only ever sees one arm's rewards; at the start every arm
ties and argmax picks arm 0 for ever, whatever it pays.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "argmax"
REJECTED_BY = "test_actions_are_sampled_from_the_policy"

solution = solution_for(__file__)


def train_bandit(bandit, steps, batch_size, lr, generator):
    theta = torch.zeros(
        bandit.num_arms, dtype=bandit.means.dtype, device=bandit.means.device, requires_grad=True
    )
    for _ in range(steps):
        actions = theta.detach().argmax().repeat(batch_size)
        rewards = bandit.pull(actions)
        logits = theta.expand(batch_size, 1, -1)
        loss = solution.reinforce_loss(logits, actions[:, None], rewards[:, None], 1.0, "mean")
        (grad,) = torch.autograd.grad(loss, theta)
        with torch.no_grad():
            theta -= lr * grad
    return theta.detach().clone()
