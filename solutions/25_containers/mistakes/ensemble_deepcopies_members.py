"""Mistake: Ensemble stores copy.deepcopy of each member "to be safe".

The copies are registered, so parameters() and state_dict() look right, but they are not
the caller's modules: training the Ensemble leaves the members the caller holds untouched.
"""

import copy

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "the members were copied"
REJECTED_BY = "test_ensemble_registers_every_members_parameters"


class Ensemble(solution.Ensemble):
    def __init__(self, members):
        nn.Module.__init__(self)
        self.members = nn.ModuleList(copy.deepcopy(m) for m in members)
        if len(self.members) == 0:
            raise ValueError("an Ensemble needs at least one member")
