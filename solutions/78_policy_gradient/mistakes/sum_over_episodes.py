"""Mistake: the loss sums over the episodes of the batch instead of averaging them.

The gradient then grows with the batch size, so the learning rate that works for one
batch size diverges for another.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "a sum over the N episodes instead of their mean"
REJECTED_BY = "test_loss_and_gradient_equal_the_formula"

solution = solution_for(__file__)


def reinforce_loss(logits, actions, rewards, gamma, baseline=None):
    return solution.reinforce_loss(logits, actions, rewards, gamma, baseline) * logits.shape[0]
