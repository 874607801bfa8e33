"""Mistake: sigma itself as the parameter, started at zero: L / sigma^2 + log(sigma^2).

At sigma = 0 the weight 1 / sigma^2 is infinite and log(sigma^2) is -inf: the first total
is NaN. Learning s = log(sigma^2) keeps exp(-s) finite for every s.
"""

import torch
from torch import nn

CAUGHT_BY = "sigma itself as the parameter"
REJECTED_BY = "test_fresh_module_is_finite_and_sums_the_losses"


class UncertaintyWeighting(nn.Module):
    def __init__(self, num_tasks):
        super().__init__()
        if num_tasks < 1:
            raise ValueError("num_tasks must be at least 1")
        self.log_vars = nn.Parameter(torch.zeros(num_tasks))  # used as sigma below

    def forward(self, losses):
        if len(losses) != self.log_vars.numel() or any(loss.dim() != 0 for loss in losses):
            raise ValueError("one 0-d loss per task")
        sigma2 = self.log_vars**2
        return (torch.stack(list(losses)) / sigma2 + torch.log(sigma2)).sum()
