"""Kata 28: saving, loading and resuming training exactly. See README.md in this folder."""

from pathlib import Path

from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import LRScheduler


def save_weights(path: Path, model: nn.Module) -> None:
    """Save model's weights to path: its state_dict() (a dict of name -> tensor), nothing else.

    The file must load with torch.load(path, weights_only=True): no pickled Python objects,
    so never torch.save(model) itself.
    """
    # TODO: torch.save(model.state_dict(), path)
    raise NotImplementedError("TODO: save_weights(path, model)")


def load_weights(path: Path, model: nn.Module) -> None:
    """Load weights saved by save_weights (or by anyone: the file is untrusted) into model.

    The file is read with weights_only=True, so a file holding anything but tensors and
    plain containers raises pickle.UnpicklingError without running any of its code. The
    tensors may have been saved on another device: they land on the model's own. Missing or
    unexpected keys, or a shape mismatch, raise RuntimeError (strict loading).
    """
    # TODO: torch.load(path, map_location=..., weights_only=True), then model.load_state_dict
    raise NotImplementedError("TODO: load_weights(path, model)")


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
    # TODO: torch.save({...}, path) with the state_dict()s, epoch and RNG states
    raise NotImplementedError("TODO: save_checkpoint(path, model, optimizer, scheduler, epoch)")


def load_checkpoint(
    path: Path, model: nn.Module, optimizer: Optimizer, scheduler: LRScheduler
) -> int:
    """Restore a checkpoint written by save_checkpoint, in place; return its epoch.

    model, optimizer and scheduler are freshly built objects of the same kinds (their own
    weights and states do not matter); afterwards they, and the random number generators,
    are exactly as they were when the checkpoint was saved, so training from the returned
    epoch on repeats an uninterrupted run bit for bit. Reads with weights_only=True.
    """
    # TODO: torch.load(..., weights_only=True), load_state_dict three times, torch.set_rng_state
    raise NotImplementedError("TODO: load_checkpoint(path, model, optimizer, scheduler)")
