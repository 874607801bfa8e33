"""Mistake: the checkpoint holds the model and epoch, but not the optimizer's state.

AdamW restarts with zero moments and step count after resuming: the training curve jumps.
"""

import torch

CAUGHT_BY = "optimizer's state was not saved"
REJECTED_BY = "test_load_checkpoint_restores_every_state"


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save(
        {
            "model": model.state_dict(),
            "scheduler": scheduler.state_dict(),
            "epoch": epoch,
            "cpu_rng": torch.get_rng_state(),
        },
        path,
    )


def load_checkpoint(path, model, optimizer, scheduler):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["cpu_rng"])
    return checkpoint["epoch"]
