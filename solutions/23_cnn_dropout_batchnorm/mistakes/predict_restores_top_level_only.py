"""Mistake: predict() restores the mode with model.train(was_training).

model.train(True) sets every submodule, so a BatchNorm frozen for fine-tuning is unfrozen.
"""

import torch

CAUGHT_BY = "unfroze frozen BatchNorm"
REJECTED_BY = "test_predict_keeps_frozen_batchnorm_frozen"


def predict(model, x):
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        model.train(was_training)
