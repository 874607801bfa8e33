"""Mistake: evaluate() under torch.no_grad() but without model.eval().

no_grad stops the graph, not Dropout: the validation loss is measured on a randomly thinned
network, noisy and too high.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "no model.eval(), so Dropout is still active"


def evaluate(model, x, y):
    with torch.no_grad():
        return F.cross_entropy(model(x), y).item()
