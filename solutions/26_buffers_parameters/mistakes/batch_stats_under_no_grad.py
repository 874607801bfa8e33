"""Mistake: the batch mean and variance are computed inside the torch.no_grad() block.

The forward values are right, but the normalization then treats mean and var as constants:
the gradient with respect to x misses the terms through the batch statistics.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "gradient"
REJECTED_BY = "test_training_gradients_match_batch_norm"
solution = solution_for(__file__)


class RunningNorm(solution.RunningNorm):
    def forward(self, x):
        if self.training:
            with torch.no_grad():
                mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
                m = self.momentum
                self.running_mean.mul_(1 - m).add_(m * mean)
                self.running_var.mul_(1 - m).add_(m * x.var(dim=0, unbiased=True))
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
