"""Mistake: save_weights() saves {"model": model.state_dict()}, as checkpoints are often written.

The file is then not the state_dict the docstring promises: anyone else's
model.load_state_dict(torch.load(path)) fails on the unknown key "model".
"""

import torch

CAUGHT_BY = "wrapped in another dict"
REJECTED_BY = "test_weights_round_trip"


def save_weights(path, model):
    torch.save({"model": model.state_dict()}, path)


def load_weights(path, model):
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state["model"])
