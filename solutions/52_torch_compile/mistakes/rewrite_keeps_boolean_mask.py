"""Mistake: the rewrite keeps y[y > 0].

Boolean-mask indexing makes a tensor whose size depends on the data, which breaks the graph.
"""

import torch

CAUGHT_BY = "boolean-mask indexing"
REJECTED_BY = "test_normalize_scores_has_no_graph_breaks_and_prints_nothing"


def normalize_scores(x):
    scale = x.abs().amax()
    y = x / (scale + 1e-6)
    y = torch.where(y.sum() > 0, y * 2, y - 1)
    return y + y[y > 0].sum()
