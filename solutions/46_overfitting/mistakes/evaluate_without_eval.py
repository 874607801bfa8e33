"""Mistake: evaluate() under torch.no_grad() but without model.eval().

no_grad stops the graph, not Dropout: the validation loss is measured on a randomly thinned
network, noisy and too high.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "no model.eval(), so Dropout is still active"
REJECTED_BY = "test_evaluate_runs_the_full_network_without_a_graph"


def evaluate(model, x, y):
    with torch.no_grad():
        return F.cross_entropy(model(x), y).item()
