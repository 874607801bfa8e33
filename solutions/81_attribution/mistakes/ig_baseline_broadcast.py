"""Mistake: any baseline that broadcasts against x is accepted.

A (1, D) baseline meant for one sample is silently used for the whole batch, and a
(D,) baseline of the wrong layout can broadcast into nonsense without an error.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "a (1, 6) baseline would broadcast silently"
REJECTED_BY = "test_integrated_gradients_reject_bad_arguments"

solution = solution_for(__file__)


def integrated_gradients(model, x, target, baseline=None, steps=50):
    if baseline is not None:
        baseline = torch.broadcast_to(baseline, x.shape)
    return solution.integrated_gradients(model, x, target, baseline, steps)
