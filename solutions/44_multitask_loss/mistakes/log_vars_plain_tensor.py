"""Mistake: self.log_vars = torch.zeros(n, requires_grad=True), a plain tensor.

nn.Module registers only nn.Parameter (and submodules): module.parameters() does not yield
a plain tensor, so the optimizer never trains it, state_dict() never saves it and .to()
never moves it.
"""

import torch
from torch import nn

CAUGHT_BY = "not a registered nn.Parameter"
REJECTED_BY = "test_log_vars_is_a_registered_parameter_starting_at_zero"


class UncertaintyWeighting(nn.Module):
    def __init__(self, num_tasks):
        super().__init__()
        if num_tasks < 1:
            raise ValueError("num_tasks must be at least 1")
        self.log_vars = torch.zeros(num_tasks, requires_grad=True)

    def forward(self, losses):
        if len(losses) != self.log_vars.numel() or any(loss.dim() != 0 for loss in losses):
            raise ValueError("one 0-d loss per task")
        return (torch.exp(-self.log_vars) * torch.stack(list(losses)) + self.log_vars).sum()
