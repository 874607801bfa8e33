"""Mistake: the loss is sum log pi * G without the minus sign.

Minimising it lowers the probability of the actions that earned the most: the optimiser
works perfectly, towards the worst policy.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the sign"
REJECTED_BY = "test_loss_and_gradient_equal_the_formula"

solution = solution_for(__file__)


def reinforce_loss(logits, actions, rewards, gamma, baseline=None):
    return -solution.reinforce_loss(logits, actions, rewards, gamma, baseline)
