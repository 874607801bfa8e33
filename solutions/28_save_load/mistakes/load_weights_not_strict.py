"""Mistake: load_weights() calls model.load_state_dict(state, strict=False).

Keys that do not match are skipped silently: a checkpoint of another architecture "loads"
and leaves layers at their random initialization.
"""

import torch

CAUGHT_BY = "strict=False"
REJECTED_BY = "test_load_weights_is_strict"


def load_weights(path, model):
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=False)
