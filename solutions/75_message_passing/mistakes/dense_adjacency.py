"""Mistake: the normalised adjacency built as a dense (N, N) matrix and multiplied.

The numbers are right, but memory and time grow with N^2: a graph of a million nodes
needs terabytes. Message passing works per edge.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "dense (N, N) adjacency"
REJECTED_BY = "test_propagate_builds_no_dense_matrix"

solution = solution_for(__file__)


def propagate(x, edge_index, edge_weight):
    n = x.shape[0]
    dense = torch.zeros(n, n, dtype=x.dtype, device=x.device)
    dense = dense.index_put((edge_index[1], edge_index[0]), edge_weight, accumulate=True)
    return dense @ x
