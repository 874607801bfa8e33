"""Mistake: the loss weights the probability of each action, not its log-probability.

The REINFORCE estimator is grad log pi(a) * G. With softmax(logits) in place of
log_softmax(logits) the gradient is pi(a) * grad log pi(a) * G: biased towards actions
the policy already likes, so it still "trains" but follows the wrong gradient.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "probabilities instead of log-probabilities"
REJECTED_BY = "test_loss_and_gradient_equal_the_formula"

solution = solution_for(__file__)


def reinforce_loss(logits, actions, rewards, gamma, baseline=None):
    returns = solution.returns_to_go(rewards, gamma)
    if isinstance(baseline, str):
        returns = returns - returns.mean()
    elif baseline is not None:
        returns = returns - baseline.detach()
    probs = torch.softmax(logits, dim=-1)
    taken = probs.gather(-1, actions.unsqueeze(-1)).squeeze(-1)
    return -(taken * returns).sum(dim=1).mean()
