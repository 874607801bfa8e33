"""Mistake: a learned baseline subtracted without detaching it.

The policy loss then also trains the value estimate, towards values that make the
advantage large instead of values that predict the return.
"""

import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "the baseline is not detached"
REJECTED_BY = "test_learned_baseline_gets_no_gradient_from_the_policy_loss"

solution = solution_for(__file__)


def reinforce_loss(logits, actions, rewards, gamma, baseline=None):
    returns = solution.returns_to_go(rewards, gamma)
    if isinstance(baseline, str):
        if baseline != "mean":
            raise ValueError("unknown baseline")
        advantages = returns - returns.mean()
    elif baseline is not None:
        if baseline.shape != returns.shape:
            raise ValueError("baseline shape")
        advantages = returns - baseline  # no detach: the gradient flows into the baseline
    else:
        advantages = returns
    if actions.shape != logits.shape[:2] or rewards.shape != logits.shape[:2]:
        raise ValueError("shapes")
    taken = F.log_softmax(logits, dim=-1).gather(-1, actions.unsqueeze(-1)).squeeze(-1)
    return -(taken * advantages).sum(dim=1).mean()
