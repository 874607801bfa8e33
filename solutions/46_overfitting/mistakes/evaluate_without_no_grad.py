"""Mistake: evaluate() with model.eval() but without torch.no_grad().

eval() switches Dropout off but still builds a graph for every validation batch: memory
and time for a backward pass that never comes.
"""

import torch.nn.functional as F

CAUGHT_BY = "no torch.no_grad() around the validation pass"
REJECTED_BY = "test_evaluate_runs_the_full_network_without_a_graph"


def evaluate(model, x, y):
    model.eval()
    return F.cross_entropy(model(x), y).item()
