"""Mistake: predict_fast with torch.no_grad() instead of torch.inference_mode().

Same numbers and no graph, but without inference mode's extra savings (no version
counters, no view tracking), and the output is not an inference tensor.
"""

import torch

CAUGHT_BY = "torch.no_grad() instead of torch.inference_mode()"
REJECTED_BY = "test_predict_fast_returns_inference_tensor"


def predict_fast(model, x):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        for m, training in modes.items():
            m.training = training
