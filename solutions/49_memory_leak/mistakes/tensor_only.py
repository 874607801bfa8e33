"""Mistake: graph_size looks at obj only when it is a tensor.

A step that returns its list of outputs (or a dict of metrics) then shows no graph, however
many graphs the list holds.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "look inside lists, tuples and dicts"
REJECTED_BY = "test_counts_tensors_inside_containers_once"

solution = solution_for(__file__)


def graph_size(obj):
    if not isinstance(obj, torch.Tensor):
        return 0
    return solution.graph_size(obj)
