"""Mistake: save_weights() pickles the whole model with torch.save(model, path).

The file needs the model's class to load and cannot be read with weights_only=True, the only
safe way to load a file from someone else.
"""

import torch

CAUGHT_BY = "saved the whole model"
REJECTED_BY = "test_weights_round_trip"


def save_weights(path, model):
    torch.save(model, path)
