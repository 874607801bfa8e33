"""Mistake: model.zero_grad() at the start of evaluation, "to start clean".

Evaluation between accumulation steps (or before optimizer.step()) must not touch the
gradients a training step computed: zero_grad() sets them to None.
"""

import torch

CAUGHT_BY = "must not touch gradients"
REJECTED_BY = "test_predict_fast_keeps_existing_grads"


def predict_fast(model, x):
    model.zero_grad()
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.inference_mode():
            return model(x)
    finally:
        for m, training in modes.items():
            m.training = training
