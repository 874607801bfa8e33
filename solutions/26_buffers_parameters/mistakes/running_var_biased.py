"""Mistake: the running variance is updated with the biased batch variance.

BatchNorm normalizes with the biased variance but tracks the unbiased one; with small
batches the two differ a lot (by B / (B - 1)).
"""

import torch

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "unbiased=True"
REJECTED_BY = "test_forward_and_running_statistics_match_batch_norm"


class RunningNorm(solution.RunningNorm):
    def forward(self, x):
        if self.training:
            mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
            with torch.no_grad():
                m = self.momentum
                self.running_mean.mul_(1 - m).add_(m * mean)
                self.running_var.mul_(1 - m).add_(m * var)
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
