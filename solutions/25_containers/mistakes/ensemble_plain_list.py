"""Mistake: Ensemble keeps its members in a plain Python list.

nn.Module registers only attributes that are Modules or Parameters: the members' weights are
missing from parameters() and state_dict(), and .to() or an optimizer never reaches them.
"""

import torch
from torch import nn

CAUGHT_BY = "not registered"
REJECTED_BY = "test_ensemble_registers_every_members_parameters"


class Ensemble(nn.Module):
    def __init__(self, members):
        super().__init__()
        self.members = list(members)
        if not self.members:
            raise ValueError("an Ensemble needs at least one member")

    def forward(self, x):
        return torch.stack([m(x) for m in self.members]).mean(dim=0)
