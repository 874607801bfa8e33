"""Mistake: torch.no_grad() alone, without model.eval().

no_grad stops the graph, not training behaviour: Dropout still drops and BatchNorm
normalises with batch statistics and updates its running mean and variance.
"""

import torch

CAUGHT_BY = "changed the model's buffers"
REJECTED_BY = "test_predict_equals_eval_mode_without_graph"


def predict(model, x):
    with torch.no_grad():
        return model(x)
