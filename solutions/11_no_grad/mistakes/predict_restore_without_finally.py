"""Mistake: the modes are saved and put back, but not in a finally block.

When the forward raises (a bad batch, an assertion in the model), the restore is skipped
and the caller's model stays in eval mode: its next training steps run without Dropout.
"""

import torch

CAUGHT_BY = "not in a finally block"
REJECTED_BY = "test_predict_restores_modes_when_the_forward_raises"


def predict(model, x):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    with torch.no_grad():
        out = model(x)
    for m, training in modes.items():
        m.training = training
    return out
