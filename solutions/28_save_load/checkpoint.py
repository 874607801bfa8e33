"""Kata 28: saving, loading and resuming training exactly. See README.md in this folder."""

from pathlib import Path

import torch
from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler


def save_weights(path: Path, model: nn.Module) -> None:
    """Save model's weights to path: its state_dict() (a dict of name -> tensor), nothing else.

    The file must load with torch.load(path, weights_only=True): no pickled Python objects,
    so never torch.save(model) itself.
    """
    torch.save(model.state_dict(), path)


def load_weights(path: Path, model: nn.Module) -> None:
    """Load weights saved by save_weights (or by anyone: the file is untrusted) into model.

    The file is read with weights_only=True, so a file holding anything but tensors and
    plain containers raises pickle.UnpicklingError without running any of its code. The
    tensors may have been saved on another device: they land on the model's own. Missing or
    unexpected keys, or a shape mismatch, raise RuntimeError (strict loading).
    """
    # weights_only=True: the unpickler refuses every global that is not a tensor type, so a
    # crafted file cannot call os.system or anything else while loading
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state)  # strict; copies into the model's tensors, on its device


def save_checkpoint(
    path: Path, model: nn.Module, optimizer: Optimizer, scheduler: LRScheduler, epoch: int
) -> None:
    """Save everything needed to resume training after `epoch` completed epochs.

    The file holds one dict: the state_dict()s of model, optimizer and scheduler, epoch, and
    the random number generator states: torch's CPU generator (torch.get_rng_state()) and, when
    CUDA is available, every CUDA device's (torch.cuda.get_rng_state_all()), so that dropout
    and data drawn after resuming are those an uninterrupted run would draw. It must load
    with torch.load(path, weights_only=True): states and tensors only, no objects.
    """
    checkpoint = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),  # Adam's moments and step counts
        "scheduler": scheduler.state_dict(),  # where the learning-rate schedule is
        "epoch": epoch,
        "cpu_rng": torch.get_rng_state(),
    }
    if torch.cuda.is_available():
        checkpoint["cuda_rng"] = torch.cuda.get_rng_state_all()
    torch.save(checkpoint, path)


def load_checkpoint(
    path: Path, model: nn.Module, optimizer: Optimizer, scheduler: LRScheduler
) -> int:
    """Restore a checkpoint written by save_checkpoint, in place; return its epoch.

    model, optimizer and scheduler are freshly built objects of the same kinds (their own
    weights and states do not matter); afterwards they, and the random number generators,
    are exactly as they were when the checkpoint was saved, so training from the returned
    epoch on repeats an uninterrupted run bit for bit. Reads with weights_only=True.
    """
    # map_location="cpu": RNG states must be CPU tensors; load_state_dict moves the rest
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    scheduler.load_state_dict(checkpoint["scheduler"])
    torch.set_rng_state(checkpoint["cpu_rng"])
    if "cuda_rng" in checkpoint and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(checkpoint["cuda_rng"])
    return int(checkpoint["epoch"])
