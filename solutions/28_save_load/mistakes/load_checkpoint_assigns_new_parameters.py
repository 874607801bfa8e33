"""Mistake: load_checkpoint() calls model.load_state_dict(checkpoint["model"], assign=True).

The model gets new Parameter objects while the optimizer, built before loading, keeps the
old ones: optimizer.step() then updates tensors the model no longer uses.
"""

import torch

CAUGHT_BY = "replaced the model's Parameter objects"
REJECTED_BY = "test_load_checkpoint_restores_every_state"


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"], assign=True)
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["cpu_rng"])
    return int(checkpoint["epoch"])
