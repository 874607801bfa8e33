"""Kata 43: fine-tuning a ResNet: a new head, frozen layers, layer-wise learning rates.
See README.md in this folder."""

from collections.abc import Sequence

import torch
from torch import Tensor, nn


def replace_head(model: nn.Module, num_classes: int) -> nn.Linear:
    """Replace model.fc, in place, by a new classifier for num_classes classes; return it.

    model: a ResNet-style nn.Module whose classifier is the attribute `fc`, an nn.Linear
    (a torchvision ResNet, or any model built the same way). The new head is a freshly
    initialised nn.Linear(model.fc.in_features, num_classes) with a bias, on the old head's
    device and of its dtype, and it requires grad. Nothing else in model changes.
    Raises ValueError if num_classes < 1.
    """
    # TODO: read in_features from the old head (never hard-code 512); make the new
    # nn.Linear on the old head's device and dtype, assign it to model.fc
    raise NotImplementedError("TODO: replace_head(model, num_classes)")


def load_pretrained(path: str, num_classes: int) -> nn.Module:
    """A torchvision resnet18 with the backbone weights saved at path and a new head.

    path: a file written by torch.save(resnet18.state_dict(), path), standing in for
    pretrained weights; its head (the keys fc.weight and fc.bias) may have any number of
    classes. Build the model with torchvision.models.resnet18(weights=None): nothing is
    ever downloaded. Read the file with torch.load(path, map_location="cpu",
    weights_only=True) and load every key except the head's strictly: a missing,
    unexpected or mis-shaped backbone key raises RuntimeError. The saved head is
    dropped; the model gets a new head for num_classes (replace_head). Returns the model
    on the CPU, in float32.
    """
    # TODO: import torchvision here; resnet18(weights=None), torch.load the file, drop
    # the fc.* keys, load the rest strictly, then give the model its new head
    raise NotImplementedError("TODO: load_pretrained(path, num_classes)")


def freeze(model: nn.Module, prefixes: Sequence[str]) -> None:
    """Freeze the submodules of model named in prefixes, in place.

    prefixes: submodule names as model.named_modules() gives them ("conv1", "layer1",
    "layer2.0"). Every parameter inside a named submodule gets requires_grad=False, so
    backward computes no gradient for it and no optimizer changes it, and every
    BatchNorm layer inside one is put in eval mode, so its running statistics stop
    changing. Everything else (other parameters' requires_grad, other modules' modes) is
    left as it is. Raises ValueError if a prefix names no submodule of model, before
    changing anything.
    """
    # TODO: check every prefix with dict(model.named_modules()) first; then requires_grad_(False)
    # on their parameters and eval() on their BatchNorm layers
    raise NotImplementedError("TODO: freeze(model, prefixes)")


def train_step(
    model: nn.Module, optimizer: torch.optim.Optimizer, inputs: Tensor, targets: Tensor
) -> float:
    """One fine-tuning step on one batch; returns the batch's loss as a Python float.

    inputs: (B, 3, H, W) float on the model's device; targets: (B,) long class indices.
    Puts model in training mode (model.train()), then puts every BatchNorm layer whose
    weight and bias are both frozen (requires_grad False) back in eval mode, whatever
    mode the caller left the model in: frozen layers keep their running statistics.
    Then the usual step: gradients left from earlier calls are cleared, the loss is
    F.cross_entropy(model(inputs), targets), backward, and one optimizer.step().
    Returns the loss before the update.
    """
    # TODO: model.train() puts every submodule in training mode, frozen BatchNorms too: put
    # those back in eval(); then zero_grad, forward, cross_entropy, backward, step
    raise NotImplementedError("TODO: train_step(model, optimizer, inputs, targets)")


def layerwise_lrs(head_lr: float, decay: float, stages: Sequence[str]) -> dict[str, float]:
    """Learning rates that shrink by a factor decay per stage, going down from the head.

    stages: submodule names from the input side to the output side, the head last
    (["layer3", "layer4", "fc"]). The last stage gets head_lr, the one before it
    head_lr * decay, and stage k of n gets head_lr * decay ** (n - 1 - k).
    Returns {stage: lr} in the order of stages. Raises ValueError if stages is empty,
    or if head_lr <= 0 or decay is not in (0, 1].
    """
    # TODO: the last stage gets head_lr; each stage below it decay times the one above
    raise NotImplementedError("TODO: layerwise_lrs(head_lr, decay, stages)")


def param_groups(model: nn.Module, lrs: dict[str, float]) -> list[dict]:
    """Optimizer parameter groups, one per entry of lrs: [{"params": [...], "lr": lr}, ...].

    lrs: {submodule name: learning rate}, e.g. from layerwise_lrs. A group holds the
    parameters of its submodule that require grad, in model.named_parameters() order, and
    the groups come in the order of lrs. Frozen parameters are in no group. Every trainable
    parameter of model must be in exactly one group: raises ValueError if one is in none
    (a stage forgotten), if two names overlap ("layer4" and "layer4.1"), if a name is no
    submodule of model, or if a submodule has no trainable parameter (a learning rate for
    a frozen stage). The result goes straight into torch.optim.SGD(groups, lr=...).
    """
    # TODO: one {"params": ..., "lr": ...} per name, trainable parameters only; check that
    # every trainable parameter lands in exactly one group
    raise NotImplementedError("TODO: param_groups(model, lrs)")
