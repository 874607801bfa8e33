"""Mistake: the running statistics are nn.Parameter(..., requires_grad=False).

They are saved and moved, but they are parameters: an optimizer over model.parameters()
holds them, and weight decay changes them although no gradient ever does.
"""

import torch
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the optimizer sees them"
REJECTED_BY = "test_parameters_buffers_and_state_dict"


class RunningNorm(solution.RunningNorm):
    def __init__(self, num_features, momentum=0.1, eps=1e-5):
        nn.Module.__init__(self)
        self.momentum, self.eps = momentum, eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.running_mean = nn.Parameter(torch.zeros(num_features), requires_grad=False)
        self.running_var = nn.Parameter(torch.ones(num_features), requires_grad=False)
