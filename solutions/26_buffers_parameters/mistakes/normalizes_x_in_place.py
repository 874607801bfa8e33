"""Mistake: forward normalizes the caller's x in place (x -= mean; x /= std).

It saves a copy, but the caller's batch is overwritten with normalized values: a second
use of x (a residual, a logged input, the next layer of a test) sees garbage.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_running_norm_leaves_its_input_untouched"
solution = solution_for(__file__)


class RunningNorm(solution.RunningNorm):
    def forward(self, x):
        if self.training:
            mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
            with torch.no_grad():
                m = self.momentum
                self.running_mean.mul_(1 - m).add_(m * mean)
                self.running_var.mul_(1 - m).add_(m * x.var(dim=0, unbiased=True))
        else:
            mean, var = self.running_mean, self.running_var
        x -= mean
        x /= torch.sqrt(var + self.eps)
        return x * self.weight + self.bias
