"""Mistake: the rewrite still prints inside the function.

print() is a side effect dynamo cannot put in a graph: with fullgraph=True it is an error.
"""

import torch

CAUGHT_BY = "print() inside compiled code"
REJECTED_BY = "test_normalize_scores_compiles_as_one_graph"


def normalize_scores(x):
    scale = x.abs().amax()
    y = x / (scale + 1e-6)
    y = torch.where(y.sum() > 0, y * 2, y - 1)
    positive = torch.where(y > 0, y, torch.zeros_like(y))
    print("positive entries:", (y > 0).sum())
    return y + positive.sum()
