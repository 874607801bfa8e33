"""Mistake: the checkpoint leaves out the learning-rate scheduler.

After resuming, the schedule starts over from the initial learning rate.
"""

import torch

CAUGHT_BY = "scheduler's state was not saved"
REJECTED_BY = "test_load_checkpoint_restores_every_state"


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "epoch": epoch,
            "cpu_rng": torch.get_rng_state(),
        },
        path,
    )


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    torch.set_rng_state(checkpoint["cpu_rng"])
    return checkpoint["epoch"]
