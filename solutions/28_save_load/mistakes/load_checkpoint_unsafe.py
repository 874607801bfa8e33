"""Mistake: load_checkpoint() reads with torch.load(path, weights_only=False).

A checkpoint is as untrusted as a weights file: full unpickling runs whatever callables a
crafted checkpoint names.
"""

import torch

CAUGHT_BY = "ran code from the file"
REJECTED_BY = "test_load_checkpoint_refuses_untrusted_file"


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, map_location="cpu", weights_only=False)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["cpu_rng"])
    return int(checkpoint["epoch"])
