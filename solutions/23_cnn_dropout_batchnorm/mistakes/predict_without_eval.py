"""Mistake: predict() wraps the forward pass in torch.no_grad() but never calls model.eval().

no_grad only stops graph building: dropout still drops and BatchNorm still normalizes with
(and updates) batch statistics.
"""

import torch

CAUGHT_BY = "not switched to eval mode"
REJECTED_BY = "test_predict_matches_eval_reference"


def predict(model, x):
    with torch.no_grad():
        return model(x)
