"""Mistake: predict() restores the modes after the forward pass, but not in a finally block.

When model(x) raises (a bad batch, a KeyboardInterrupt in a notebook), the model is left
in eval mode, and training goes on without dropout or BatchNorm updates.
"""

import torch

CAUGHT_BY = "try/finally"
REJECTED_BY = "test_predict_restores_the_mode_when_the_forward_raises"


def predict(model, x):
    modes = [(m, m.training) for m in model.modules()]
    model.eval()
    with torch.no_grad():
        out = model(x)
    for m, training in modes:
        m.training = training
    return out
