"""Mistake: model.eval() for the attribution, and the model left in eval mode.

The caller's next training step then runs without dropout and with frozen batch norm,
silently.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "the mode was not restored"
REJECTED_BY = "test_saliency_leaves_the_model_and_x_alone"

solution = solution_for(__file__)


def saliency(model, x, target, *, absolute=True):
    model.eval()
    grad = solution._target_gradient(model, x, target)
    return grad.abs() if absolute else grad
