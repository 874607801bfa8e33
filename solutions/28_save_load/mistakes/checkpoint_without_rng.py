"""Mistake: the checkpoint holds every state_dict but not the random number generator state.

Training resumes with other dropout masks and other random data than the uninterrupted run:
close, but not reproducible.
"""

import torch

CAUGHT_BY = "RNG state was not saved"
REJECTED_BY = "test_load_checkpoint_restores_every_state"


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "epoch": epoch,
        },
        path,
    )


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    return checkpoint["epoch"]
