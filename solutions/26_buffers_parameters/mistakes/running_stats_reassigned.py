"""Mistake: the running statistics are replaced by new tensors instead of updated in place.

`self.running_mean = (1 - m) * self.running_mean + m * mean` keeps the name registered, but
the buffer is a new object each step: anything holding the old one (a state_dict taken with
keep_vars=True, DDP's buffer broadcast, a captured CUDA graph) keeps the stale values.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "a new tensor"
REJECTED_BY = "test_running_statistics_are_updated_in_place"
solution = solution_for(__file__)


class RunningNorm(solution.RunningNorm):
    def forward(self, x):
        if self.training:
            mean, var = x.mean(dim=0), x.var(dim=0, unbiased=False)
            with torch.no_grad():
                m = self.momentum
                self.running_mean = (1 - m) * self.running_mean + m * mean
                self.running_var = (1 - m) * self.running_var + m * x.var(dim=0, unbiased=True)
        else:
            mean, var = self.running_mean, self.running_var
        return (x - mean) / torch.sqrt(var + self.eps) * self.weight + self.bias
