"""Mistake: the checkpoint stores the optimizer and scheduler objects instead of their states.

It works with weights_only=False, but the file is then a pickle of live objects: it cannot
be loaded safely, and breaks as soon as the classes change.
"""

import torch

CAUGHT_BY = "an object saved instead of its state"
REJECTED_BY = "test_checkpoint_loads_with_weights_only"


def save_checkpoint(path, model, optimizer, scheduler, epoch):
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer,
            "scheduler": scheduler,
            "epoch": epoch,
            "cpu_rng": torch.get_rng_state(),
        },
        path,
    )
