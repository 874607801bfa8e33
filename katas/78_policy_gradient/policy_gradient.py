"""Kata 78: REINFORCE on a multi-armed bandit. See README.md in this folder."""

import torch
from torch import Tensor


def returns_to_go(rewards: Tensor, gamma: float) -> Tensor:
    """Discounted returns-to-go along the last dimension: G_t = sum_{k >= t} gamma^(k-t) r_k.

    rewards: (..., T) float, T >= 1, any device; r_t is the reward received after the
    action at step t. gamma: the discount, 0 <= gamma <= 1. Returns a new tensor of the
    same shape, dtype and device with G_t = r_t + gamma * G_{t+1} (and G_{T-1} = r_{T-1}):
    the reward still to come from step t to the end, nearer rewards weighing more. Exact
    and finite for any T and gamma in range (gamma = 0 gives the rewards themselves).
    rewards is not modified. Raises ValueError when gamma is outside [0, 1] or rewards is
    0-d.
    """
    # TODO: walk backwards from the last step, G_t = r_t + gamma * G_{t+1}; fill a new
    # tensor (never write into rewards)
    raise NotImplementedError("TODO: returns_to_go(rewards, gamma)")


def reinforce_loss(
    logits: Tensor,
    actions: Tensor,
    rewards: Tensor,
    gamma: float,
    baseline: str | Tensor | None = None,
) -> Tensor:
    """The REINFORCE surrogate loss whose gradient is the policy-gradient estimate.

    logits: (N, T, A) float, the policy's unnormalised scores for N episodes of T steps
    over A actions (they normally require grad); actions: (N, T) long in [0, A), the
    actions taken; rewards: (N, T) float, reward r[n, t] after action actions[n, t].
    With G = returns_to_go(rewards, gamma) and b the baseline:
        loss = -(1 / N) * sum_{n, t} log pi(actions[n, t]) * (G[n, t] - b[n, t])
    where log pi = log_softmax(logits) over the last dimension: a sum over the steps of
    each episode and a mean over the episodes. baseline: None (b = 0); "mean" (b is
    G.mean(), one number over the whole batch); or a tensor (N, T) of learned values, which
    may require grad: it is detached, so this loss sends no gradient into it (train the
    baseline with its own loss). Minimising the loss ascends the expected return.
    Returns a 0-d tensor with logits' dtype and device, differentiable with respect to
    logits. No argument is modified. Raises ValueError when gamma is outside [0, 1], when
    the shapes do not agree, or for any other baseline string.
    """
    # TODO: returns-to-go, minus the (detached) baseline; log_softmax, then gather the
    # log-probability of each action taken; minus the sum over steps, mean over episodes
    raise NotImplementedError("TODO: reinforce_loss(logits, actions, rewards, gamma, baseline)")


class Bandit:
    """A multi-armed bandit with Gaussian rewards: the environment of this kata.

    means: (A,) float, the expected reward of each arm (it fixes the device and dtype of
    every reward); std: the standard deviation of the reward noise, >= 0; generator: a
    CPU torch.Generator that all the noise is drawn from (None: torch's global one).
    means is not modified. Raises ValueError when means is not 1-d or empty, or std < 0.
    """

    def __init__(
        self, means: Tensor, std: float = 1.0, generator: torch.Generator | None = None
    ) -> None:
        # TODO: check means and std, keep them and the generator
        raise NotImplementedError("TODO: Bandit(means, std, generator)")

    @property
    def num_arms(self) -> int:
        """A, the number of arms."""
        # TODO: the length of means
        raise NotImplementedError("TODO: Bandit.num_arms")

    def pull(self, actions: Tensor) -> Tensor:
        """Pull the arms in actions (any shape, long, on means's device); return the rewards.

        rewards = means[actions] + std * noise, with
            noise = torch.randn(actions.shape, generator=generator, dtype=means.dtype)
        drawn on the CPU and moved to means's device: one fresh draw per call, so two calls
        give different noise. Returns a tensor of actions' shape with means's dtype and
        device. Raises ValueError when an action is outside [0, A).
        """
        # TODO: check the actions; means[actions] plus std times noise drawn from the generator
        raise NotImplementedError("TODO: Bandit.pull(actions)")


def train_bandit(
    bandit: Bandit, steps: int, batch_size: int, lr: float, generator: torch.Generator
) -> Tensor:
    """Learn a softmax policy for the bandit with REINFORCE; return its final logits.

    The policy is a logits vector theta (A,) with bandit.means's dtype and device, starting
    at zeros (every arm equally likely). Each of `steps` steps:
      1. draw batch_size actions from the policy (sampling, never argmax):
         torch.multinomial(softmax(theta).cpu(), batch_size, replacement=True,
         generator=generator), moved to theta's device;
      2. rewards = bandit.pull(actions);
      3. loss = reinforce_loss with N = batch_size episodes of T = 1 step (gamma 1.0,
         baseline "mean");
      4. one plain gradient-descent step on that loss: theta <- theta - lr * d loss/d theta
         (this step's gradient only).
    Returns theta after the last step: a new detached (A,) tensor. With the README's bandit
    the best arm's probability softmax(theta) passes 0.9 within 100 steps.
    """
    # TODO: theta = zeros that require grad; each step sample with torch.multinomial and
    # the generator, pull, reinforce_loss on (B, 1, A) logits, one descent step on theta
    raise NotImplementedError("TODO: train_bandit(bandit, steps, batch_size, lr, generator)")
