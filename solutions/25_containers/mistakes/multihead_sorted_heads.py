"""Mistake: MultiHead builds its heads in sorted(heads) order.

The names are all there, but not in the caller's order: the state_dict keys and the
returned dict come in another order than `heads`, as the docstring promises them.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "in another order"
REJECTED_BY = "test_multihead_registers_every_head"


class MultiHead(solution.MultiHead):
    def __init__(self, in_features, hidden, heads):
        super().__init__(in_features, hidden, heads)
        self.heads = nn.ModuleDict({n: nn.Linear(hidden, heads[n]) for n in sorted(heads)})
