"""Mistake: the rewrite keeps `if y.sum() > 0:`.

A Python branch needs the tensor's value on the host: dynamo cannot trace it into one graph.
"""

import torch

CAUGHT_BY = "a Python `if` on a tensor's value"
REJECTED_BY = "test_normalize_scores_compiles_as_one_graph"


def normalize_scores(x):
    scale = x.abs().amax()
    y = x / (scale + 1e-6)
    if y.sum() > 0:
        y = y * 2
    else:
        y = y - 1
    return y + torch.where(y > 0, y, torch.zeros_like(y)).sum()
