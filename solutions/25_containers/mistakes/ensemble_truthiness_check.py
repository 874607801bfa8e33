"""Mistake: Ensemble rejects no members with `if not members:` on the argument.

An empty list is falsy, but a generator is always truthy: an empty generator builds an
Ensemble of no members, which only fails later, in forward.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "a generator is always truthy"
REJECTED_BY = "test_ensemble_rejects_no_members"


class Ensemble(solution.Ensemble):
    def __init__(self, members):
        nn.Module.__init__(self)
        if not members:
            raise ValueError("an Ensemble needs at least one member")
        self.members = nn.ModuleList(members)
