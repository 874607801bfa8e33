"""Mistake: the rewrite keeps scale = x.abs().max().item().

.item() turns the scale into a Python number: a graph break in normal compilation (explain
reports it), and a host synchronisation on a GPU.
"""

import torch

CAUGHT_BY = "Tensor.item() makes a Python number"
REJECTED_BY = "test_normalize_scores_has_no_graph_breaks_and_prints_nothing"


def normalize_scores(x):
    scale = x.abs().max().item()
    y = x / (scale + 1e-6)
    y = torch.where(y.sum() > 0, y * 2, y - 1)
    return y + torch.where(y > 0, y, torch.zeros_like(y)).sum()
