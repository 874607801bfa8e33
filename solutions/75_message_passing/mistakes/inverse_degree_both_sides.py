"""Mistake: 1 / (deg[i] * deg[j]), D^-1 on both sides instead of D^-1/2.

The weights shrink with the square of the degrees, so features fade layer after layer.
"""

import torch

CAUGHT_BY = "D^-1 on both sides"
REJECTED_BY = "test_gcn_norm_equals_the_dense_formula"


def gcn_norm(edge_index, num_nodes, dtype=torch.float32):
    loops = torch.arange(num_nodes, device=edge_index.device).repeat(2, 1)
    edges = torch.cat([edge_index.long(), loops], dim=1)
    ones = torch.ones(edges.shape[1], dtype=dtype, device=edges.device)
    deg = torch.zeros(num_nodes, dtype=dtype, device=edges.device).index_add_(0, edges[1], ones)
    return edges, 1.0 / (deg[edges[0]] * deg[edges[1]])
