"""Mistake: messages gathered at the targets and added into the sources.

The messages flow backwards along every edge, which on a directed graph computes A^T x
instead of A x.
"""

import torch

CAUGHT_BY = "source and target swapped"
REJECTED_BY = "test_propagate_equals_the_dense_product"


def propagate(x, edge_index, edge_weight):
    messages = x[edge_index[1]] * edge_weight.unsqueeze(1)
    return torch.zeros_like(x).index_add_(0, edge_index[0], messages)
