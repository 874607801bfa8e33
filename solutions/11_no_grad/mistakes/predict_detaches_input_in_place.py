"""Mistake: x.detach_() before the forward, "to be sure no graph is built".

detach_() works on the caller's tensor itself: an x that required grad (an adversarial
example being optimised, say) no longer does after the call. torch.no_grad() alone already
keeps x out of any graph.
"""

import torch

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_predict_leaves_an_input_that_requires_grad_alone"


def predict(model, x):
    x.detach_()
    modes = {m: m.training for m in model.modules()}
    model.eval()
    try:
        with torch.no_grad():
            return model(x)
    finally:
        for m, training in modes.items():
            m.training = training
