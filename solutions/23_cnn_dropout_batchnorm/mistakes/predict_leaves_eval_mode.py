"""Mistake: predict() calls model.eval() and never switches back.

The next training step then runs without dropout and without updating BatchNorm statistics.
"""

import torch

CAUGHT_BY = "left the model in eval mode"
REJECTED_BY = "test_predict_restores_the_models_mode"


def predict(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)
