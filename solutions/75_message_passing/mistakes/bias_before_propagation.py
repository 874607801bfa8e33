"""Mistake: nn.Linear (with its bias) applied first, then the propagation.

The bias is then mixed across neighbours with the normalised weights, which do not sum to
one: each node gets a degree-dependent multiple of b instead of b.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "bias added before the propagation"
REJECTED_BY = "test_gcn_conv_equals_the_dense_formula"

solution = solution_for(__file__)


class GCNConv(solution.GCNConv):
    def forward(self, x, edge_index):
        edges, weight = solution.gcn_norm(edge_index, x.shape[0], dtype=x.dtype)
        h = x @ self.weight.T
        if self.bias is not None:
            h = h + self.bias
        return solution.propagate(h, edges, weight)
