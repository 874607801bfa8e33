"""Mistake: the running statistics are plain tensor attributes.

nn.Module does not register them: they are missing from state_dict() (a checkpoint loses
them) and .to() does not move or cast them.
"""

import torch
from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "plain tensor attribute"
REJECTED_BY = "test_parameters_buffers_and_state_dict"


class RunningNorm(solution.RunningNorm):
    def __init__(self, num_features, momentum=0.1, eps=1e-5):
        nn.Module.__init__(self)
        self.momentum, self.eps = momentum, eps
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.running_mean = torch.zeros(num_features)
        self.running_var = torch.ones(num_features)
