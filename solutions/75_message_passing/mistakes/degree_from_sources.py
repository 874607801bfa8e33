"""Mistake: the degrees counted over edge_index[0], the sources (out-degree).

On an undirected graph the two agree, so the bug hides; on a directed graph the weights
no longer match the row sums of A + I.
"""

import torch

CAUGHT_BY = "out-degree"
REJECTED_BY = "test_gcn_norm_equals_the_dense_formula"


def gcn_norm(edge_index, num_nodes, dtype=torch.float32):
    loops = torch.arange(num_nodes, device=edge_index.device).repeat(2, 1)
    edges = torch.cat([edge_index.long(), loops], dim=1)
    ones = torch.ones(edges.shape[1], dtype=dtype, device=edges.device)
    deg = torch.zeros(num_nodes, dtype=dtype, device=edges.device).index_add_(0, edges[0], ones)
    inv_sqrt = deg.rsqrt()
    return edges, inv_sqrt[edges[0]] * inv_sqrt[edges[1]]
