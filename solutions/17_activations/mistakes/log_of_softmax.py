"""Mistake: log_softmax as torch.log(softmax(x)).

Stable softmax still rounds tiny probabilities to 0, and log(0) = -inf where torch gives
a finite -2000.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "log(softmax(x))"
REJECTED_BY = "test_log_softmax_finite_for_extreme_inputs"


def log_softmax(x, dim=-1):
    return torch.log(solution_for(__file__).softmax(x, dim))
