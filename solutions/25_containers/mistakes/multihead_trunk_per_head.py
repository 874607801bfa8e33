"""Mistake: MultiHead.forward() runs the shared trunk again for every head.

Same numbers, but the shared features are recomputed once per task (and a trunk with
dropout would give each head different features).
"""

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "trunk ran"
REJECTED_BY = "test_multihead_forward_matches_reference"


class MultiHead(solution.MultiHead):
    def forward(self, x):
        return {name: head(self.trunk(x)) for name, head in self.heads.items()}
