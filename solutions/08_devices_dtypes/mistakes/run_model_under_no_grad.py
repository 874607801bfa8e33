"""Mistake: run_model() runs the model under torch.no_grad().

The values are right, but the output has no graph: loss.backward() on it fails or gives
no gradients, so the helper cannot be used in training.
"""

import torch

CAUGHT_BY = "no autograd graph"
REJECTED_BY = "test_run_model_keeps_train_mode_and_the_graph"


def run_model(model, x):
    param = next(model.parameters())
    with torch.no_grad():
        return model(x.to(device=param.device, dtype=param.dtype))
