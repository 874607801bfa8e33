"""Mistake: predict() calls model.train() in its finally block, whatever the mode was.

A model the caller had put in eval mode (an evaluation loop calling predict) comes back in
train mode, with dropout on for the rest of the evaluation.
"""

import torch

CAUGHT_BY = "model.train() afterwards"
REJECTED_BY = "test_predict_restores_the_models_mode"


def predict(model, x):
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        model.train()
