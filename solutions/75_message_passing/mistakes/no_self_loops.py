"""Mistake: D^-1/2 A D^-1/2 on the edges as given, without the self-loops of A + I.

A node then forgets its own features (an isolated node's output is all zeros), and a node
without incoming edges divides by a zero degree.
"""

import torch

CAUGHT_BY = "self-loop"
REJECTED_BY = "test_gcn_norm_appends_one_self_loop_per_node"


def gcn_norm(edge_index, num_nodes, dtype=torch.float32):
    edges = edge_index.long()
    source, target = edges[0], edges[1]
    ones = torch.ones(edges.shape[1], dtype=dtype, device=edges.device)
    deg = torch.zeros(num_nodes, dtype=dtype, device=edges.device).index_add_(0, target, ones)
    inv_sqrt = deg.rsqrt()
    return edges, inv_sqrt[target] * inv_sqrt[source]
