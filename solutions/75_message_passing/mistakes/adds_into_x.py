"""Mistake: x.index_add_(0, target, messages), adding the messages into x itself.

The caller's features are overwritten, and every node gets an extra copy of its own
features on top of A x.
"""

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_propagate_equals_the_dense_product"


def propagate(x, edge_index, edge_weight):
    messages = x[edge_index[0]] * edge_weight.unsqueeze(1)
    return x.index_add_(0, edge_index[1], messages)
