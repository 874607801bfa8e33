"""Mistake: no check on len(sizes), so MLP([4]) builds no layer and returns x unchanged.

An MLP with no layer is a bug in the caller's config; returning the input hides it
instead of raising the ValueError the docstring promises.
"""

import itertools

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "fewer than two sizes"
REJECTED_BY = "test_too_few_sizes_raise_value_error"


class MLP(solution.MLP):
    def __init__(self, sizes):
        nn.Module.__init__(self)
        self.layers = nn.ModuleList(
            nn.Linear(n_in, n_out) for n_in, n_out in itertools.pairwise(sizes)
        )
