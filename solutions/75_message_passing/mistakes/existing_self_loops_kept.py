"""Mistake: self-loops added only where edge_index has none (PyG's add_remaining_self_loops).

The documented convention is A + I: an edge i -> i already present is an ordinary edge and
the added loop comes on top of it. The two conventions give different weights.
"""

import torch

CAUGHT_BY = "self-loop already in edge_index"
REJECTED_BY = "test_gcn_norm_appends_one_self_loop_per_node"


def gcn_norm(edge_index, num_nodes, dtype=torch.float32):
    edge_index = edge_index.long()
    present = edge_index[0] == edge_index[1]
    missing = torch.ones(num_nodes, dtype=torch.bool, device=edge_index.device)
    missing[edge_index[0, present]] = False
    nodes = torch.arange(num_nodes, device=edge_index.device)[missing]
    edges = torch.cat([edge_index, nodes.repeat(2, 1)], dim=1)
    ones = torch.ones(edges.shape[1], dtype=dtype, device=edges.device)
    deg = torch.zeros(num_nodes, dtype=dtype, device=edges.device).index_add_(0, edges[1], ones)
    inv_sqrt = deg.rsqrt()
    return edges, inv_sqrt[edges[0]] * inv_sqrt[edges[1]]
