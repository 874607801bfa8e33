"""Mistake: the gradient taken in whatever mode the model is in, usually train.

Dropout makes the map random, batch norm mixes the samples of the batch and updates its
running statistics with the explained inputs.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "not in eval mode"
REJECTED_BY = "test_saliency_is_the_target_logits_gradient"

solution = solution_for(__file__)


def saliency(model, x, target, *, absolute=True):
    grad = solution._target_gradient(model, x, target)
    return grad.abs() if absolute else grad
