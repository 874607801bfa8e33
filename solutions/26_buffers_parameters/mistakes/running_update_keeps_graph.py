"""Mistake: the running statistics are updated in place outside torch.no_grad().

The batch mean requires grad, so the buffers join the autograd graph: they hold on to every
step's graph and the next backward fails.
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "graph"
REJECTED_BY = "test_running_statistics_carry_no_graph"


class RunningNorm(solution.RunningNorm):
    def forward(self, x):
        if self.training:
            mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(m * mean)
            self.running_var.mul_(1 - m).add_(m * x.var(dim=0, unbiased=True))
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
