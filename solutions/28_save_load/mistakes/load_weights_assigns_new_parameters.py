"""Mistake: load_weights() calls model.load_state_dict(state, assign=True).

assign=True puts the loaded tensors into the model as new Parameter objects instead of
copying into the existing ones: an optimizer built before loading updates tensors the model
no longer uses (and on a GPU model, the weights stay where map_location put them).
"""

import torch

CAUGHT_BY = "replaced the model's Parameter objects"
REJECTED_BY = "test_weights_round_trip"


def load_weights(path, model):
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, assign=True)
