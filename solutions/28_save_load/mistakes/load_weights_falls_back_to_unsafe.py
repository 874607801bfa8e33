"""Mistake: load_weights() tries weights_only=True and, when it is refused, weights_only=False.

The fallback turns the safety check off exactly for the files it exists to refuse: a crafted
file's code runs on the second attempt.
"""

import pickle

import torch

CAUGHT_BY = "ran code from the file"
REJECTED_BY = "test_untrusted_pickle_is_refused_without_running_it"


def load_weights(path, model):
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError:
        state = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(state)
