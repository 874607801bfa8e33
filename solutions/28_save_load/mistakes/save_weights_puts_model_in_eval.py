"""Mistake: save_weights() calls model.eval() before saving, "to save the inference model".

eval() acts in place on the caller's module: after saving, a training loop goes on with
dropout off and batch norm frozen, without any sign of it.
"""

import torch

CAUGHT_BY = "changed the model's training mode"
REJECTED_BY = "test_weights_round_trip"


def save_weights(path, model):
    model.eval()
    torch.save(model.state_dict(), path)
