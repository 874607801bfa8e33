"""Mistake: save_checkpoint() stores torch.tensor(epoch), and load_checkpoint returns it as is.

"States and tensors only" does not mean an int must become a tensor (ints load fine with
weights_only=True); the caller gets a tensor where the docstring promises an int.
"""

import torch

CAUGHT_BY = "epoch stored as a tensor"
REJECTED_BY = "test_load_checkpoint_restores_every_state"


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "epoch": torch.tensor(epoch),
            "cpu_rng": torch.get_rng_state(),
        },
        path,
    )


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["cpu_rng"])
    return checkpoint["epoch"]
