"""Mistake: predict_fast() returns out.clone() after the inference_mode block, "to be safe".

A copy made outside inference mode is a normal tensor: is_inference() is False, and the
copy costs a whole extra output's memory and time.
"""

import torch

CAUGHT_BY = "a copy of the output made after the inference_mode block ended"
REJECTED_BY = "test_predict_fast_returns_inference_tensor"


def predict_fast(model, x):
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.inference_mode():
            out = model(x)
        return out.clone()
    finally:
        for m, training in modes.items():
            m.training = training
