"""Kata 78: REINFORCE on a multi-armed bandit. See README.md in this folder."""

import torch
import torch.nn.functional as F
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
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"gamma must lie in [0, 1], got {gamma}")
    if rewards.dim() == 0:
        raise ValueError("rewards must have a time dimension (..., T); got a 0-d tensor")
    returns = torch.empty_like(rewards)
    running = torch.zeros_like(rewards[..., 0])  # G_T = 0: nothing after the last step
    for t in range(rewards.shape[-1] - 1, -1, -1):  # backwards: G_t needs G_{t+1}
        running = rewards[..., t] + gamma * running
        returns[..., t] = running
    return returns


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
    if logits.dim() != 3:
        raise ValueError(f"logits must be (N, T, A), got shape {tuple(logits.shape)}")
    if actions.shape != logits.shape[:2] or rewards.shape != logits.shape[:2]:
        raise ValueError(
            f"actions {tuple(actions.shape)} and rewards {tuple(rewards.shape)} must both be "
            f"(N, T) = {tuple(logits.shape[:2])}, matching logits {tuple(logits.shape)}"
        )
    returns = returns_to_go(rewards, gamma)  # (N, T); checks gamma
    if baseline is None:
        advantages = returns
    elif isinstance(baseline, str):
        if baseline != "mean":
            raise ValueError(f"baseline must be None, 'mean' or a tensor, got {baseline!r}")
        advantages = returns - returns.mean()
    else:
        if baseline.shape != returns.shape:
            raise ValueError(
                f"a baseline tensor must be (N, T) = {tuple(returns.shape)}, got "
                f"{tuple(baseline.shape)}"
            )
        advantages = returns - baseline.detach()  # the policy loss must not train the baseline
    log_pi = F.log_softmax(logits, dim=-1)  # (N, T, A): the log, not the probability
    taken = log_pi.gather(-1, actions.unsqueeze(-1)).squeeze(-1)  # (N, T)
    # advantages carry no graph, so the gradient is sum_t grad log pi * (G - b)
    return -(taken * advantages.detach().to(taken.dtype)).sum(dim=1).mean()


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
        if means.dim() != 1 or means.numel() == 0:
            raise ValueError(f"means must be a non-empty 1-d tensor, got {tuple(means.shape)}")
        if std < 0:
            raise ValueError(f"std must be >= 0, got {std}")
        self.means = means
        self.std = std
        self.generator = generator

    @property
    def num_arms(self) -> int:
        """A, the number of arms."""
        return self.means.shape[0]

    def pull(self, actions: Tensor) -> Tensor:
        """Pull the arms in actions (any shape, long, on means's device); return the rewards.

        rewards = means[actions] + std * noise, with
            noise = torch.randn(actions.shape, generator=generator, dtype=means.dtype)
        drawn on the CPU and moved to means's device: one fresh draw per call, so two calls
        give different noise. Returns a tensor of actions' shape with means's dtype and
        device. Raises ValueError when an action is outside [0, A).
        """
        if actions.numel() and (actions.min() < 0 or actions.max() >= self.num_arms):
            raise ValueError(
                f"actions must lie in [0, {self.num_arms}), got values from "
                f"{actions.min().item()} to {actions.max().item()}"
            )
        noise = torch.randn(actions.shape, generator=self.generator, dtype=self.means.dtype)
        return self.means[actions] + self.std * noise.to(self.means.device)


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
    theta = torch.zeros(
        bandit.num_arms, dtype=bandit.means.dtype, device=bandit.means.device, requires_grad=True
    )
    for _ in range(steps):
        probs = torch.softmax(theta.detach(), dim=0)
        actions = torch.multinomial(probs.cpu(), batch_size, replacement=True, generator=generator)
        actions = actions.to(theta.device)  # (B,)
        rewards = bandit.pull(actions)  # (B,)
        logits = theta.expand(batch_size, 1, -1)  # (B, 1, A): one-step episodes
        loss = reinforce_loss(logits, actions[:, None], rewards[:, None], 1.0, baseline="mean")
        (grad,) = torch.autograd.grad(loss, theta)  # this step's gradient only
        with torch.no_grad():
            theta -= lr * grad  # descent on the loss is ascent on the expected reward
    return theta.detach().clone()
