"""Mistake: the layer propagates over A + I with weight 1 on every edge.

Without the D^-1/2 factors the output grows with each node's degree, and stacked layers
blow up or vanish.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "unnormalised adjacency"
REJECTED_BY = "test_gcn_conv_equals_the_dense_formula"

solution = solution_for(__file__)


class GCNConv(solution.GCNConv):
    def forward(self, x, edge_index):
        edges, weight = solution.gcn_norm(edge_index, x.shape[0], dtype=x.dtype)
        out = solution.propagate(x @ self.weight.T, edges, torch.ones_like(weight))
        return out + self.bias if self.bias is not None else out
