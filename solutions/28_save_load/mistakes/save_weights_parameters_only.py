"""Mistake: save_weights() saves {name: p for name, p in model.named_parameters()}.

Parameters are only part of a model's state: buffers such as BatchNorm's running mean and
variance are left out, so a model with them cannot be loaded strictly (or evaluates wrong).
"""

import torch

CAUGHT_BY = "It lacks the buffers"
REJECTED_BY = "test_weights_round_trip"


def save_weights(path, model):
    torch.save({name: p.detach() for name, p in model.named_parameters()}, path)
