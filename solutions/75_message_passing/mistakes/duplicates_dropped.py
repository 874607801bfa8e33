"""Mistake: duplicate edges removed with torch.unique before normalising.

The doc says duplicates add up (A counts edges); coalescing them silently changes the
graph the caller gave.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "duplicate edges dropped"
REJECTED_BY = "test_gcn_norm_equals_the_dense_formula"

solution = solution_for(__file__)


def gcn_norm(edge_index, num_nodes, dtype=torch.float32):
    if edge_index.dim() == 2 and edge_index.shape[0] == 2 and edge_index.shape[1]:
        edge_index = torch.unique(edge_index, dim=1)
    return solution.gcn_norm(edge_index, num_nodes, dtype)
