"""Mistake: load_weights() catches pickle.UnpicklingError and returns quietly.

Nothing unsafe runs, but the caller is not told that the file was refused and goes on with
a model that still holds its random initial weights.
"""

import pickle

import torch

CAUGHT_BY = "returned without raising, expected pickle.UnpicklingError"
REJECTED_BY = "test_untrusted_pickle_is_refused_without_running_it"


def load_weights(path, model):
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        return
    model.load_state_dict(state)
