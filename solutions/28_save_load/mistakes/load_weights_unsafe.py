"""Mistake: load_weights() reads the file with torch.load(path, weights_only=False).

Full unpickling runs whatever callables the file names: loading a downloaded checkpoint
becomes running a downloaded program.
"""

import torch

CAUGHT_BY = "ran code from the file"
REJECTED_BY = "test_untrusted_pickle_is_refused_without_running_it"


def load_weights(path, model):
    state = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(state)
