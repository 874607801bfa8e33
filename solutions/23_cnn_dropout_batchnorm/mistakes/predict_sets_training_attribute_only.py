"""Mistake: predict() restores the mode with model.training = was_training.

The attribute belongs to the top-level module only; the submodules (Dropout, BatchNorm)
stay in the eval mode that model.eval() gave them.
"""

import torch

CAUGHT_BY = "top-level module only"
REJECTED_BY = "test_predict_restores_the_models_mode"


def predict(model, x):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        model.training = was_training
