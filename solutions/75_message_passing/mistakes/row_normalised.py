"""Mistake: each edge j -> i weighted 1 / deg[i], the mean aggregation D^-1 (A + I).

That is a different layer (GraphSAGE-mean style): GCN's symmetric normalisation divides by
sqrt(deg[i] * deg[j]), so high-degree neighbours count less.
"""

import torch

CAUGHT_BY = "D^-1 (A + I)"
REJECTED_BY = "test_gcn_norm_equals_the_dense_formula"


def gcn_norm(edge_index, num_nodes, dtype=torch.float32):
    loops = torch.arange(num_nodes, device=edge_index.device).repeat(2, 1)
    edges = torch.cat([edge_index.long(), loops], dim=1)
    ones = torch.ones(edges.shape[1], dtype=dtype, device=edges.device)
    deg = torch.zeros(num_nodes, dtype=dtype, device=edges.device).index_add_(0, edges[1], ones)
    return edges, 1.0 / deg[edges[1]]
