"""Mistake: restoring the mode with model.train(was_training).

train(flag) sets every submodule to flag, so a BatchNorm the caller had frozen in eval
mode comes back in train mode.
"""

import torch

CAUGHT_BY = "model.train(old)"
REJECTED_BY = "test_predict_restores_each_submodule_mode"


def predict(model, x):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train(was_training)
    return out
