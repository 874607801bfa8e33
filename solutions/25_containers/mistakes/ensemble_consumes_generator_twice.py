"""Mistake: Ensemble checks `if not list(members)` before nn.ModuleList(members).

For a list that is fine; a generator is emptied by the check, so the Ensemble ends up
with no members at all.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "can be iterated only once"
REJECTED_BY = "test_ensemble_accepts_a_generator"


class Ensemble(solution.Ensemble):
    def __init__(self, members):
        nn.Module.__init__(self)
        if not list(members):
            raise ValueError("an Ensemble needs at least one member")
        self.members = nn.ModuleList(members)
