"""Mistake: the first stage's output goes to the second stage without .to(devices[1]).

Harmless while both stages share a device; with the stages on cuda:0 and cuda:1 the
second stage fails with "Expected all tensors to be on the same device".
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "without .to(devices[1])"
REJECTED_BY = "test_pipeline_forward_equals_the_unsplit_model"


def pipeline_forward(first, second, devices, x, n):
    return torch.cat([second(first(m.to(devices[0]))) for m in solution.split_microbatches(x, n)])
