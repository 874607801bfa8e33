"""Kata 43: fine-tuning a ResNet: a new head, frozen layers, layer-wise learning rates.
See README.md in this folder."""

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d, nn.SyncBatchNorm)


def replace_head(model: nn.Module, num_classes: int) -> nn.Linear:
    """Replace model.fc, in place, by a new classifier for num_classes classes; return it.

    model: a ResNet-style nn.Module whose classifier is the attribute `fc`, an nn.Linear
    (a torchvision ResNet, or any model built the same way). The new head is a freshly
    initialised nn.Linear(model.fc.in_features, num_classes) with a bias, on the old head's
    device and of its dtype, and it requires grad. Nothing else in model changes.
    Raises ValueError if num_classes < 1.
    """
    if num_classes < 1:
        raise ValueError(f"num_classes must be at least 1, got {num_classes}")
    old = model.fc
    # in_features comes from the model: 512 for resnet18/34, 2048 for resnet50
    head = nn.Linear(old.in_features, num_classes, device=old.weight.device, dtype=old.weight.dtype)
    model.fc = head
    return head


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
    import torchvision

    model = torchvision.models.resnet18(weights=None)
    state = torch.load(path, map_location="cpu", weights_only=True)
    backbone = {k: v for k, v in state.items() if not k.startswith("fc.")}
    replace_head(model, num_classes)
    # strict=False only so that the new head may stay as it is: check the rest by hand
    missing, unexpected = model.load_state_dict(backbone, strict=False)
    missing = [k for k in missing if not k.startswith("fc.")]
    if missing or unexpected:
        raise RuntimeError(
            f"the file {path} does not fit resnet18's backbone: missing keys {missing}, "
            f"unexpected keys {unexpected}"
        )
    return model


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
    modules = dict(model.named_modules())
    unknown = [p for p in prefixes if p not in modules]
    if unknown:
        raise ValueError(f"no submodule named {unknown} in the model; names: {list(modules)}")
    for prefix in prefixes:
        for module in modules[prefix].modules():
            for p in module.parameters(recurse=False):
                p.requires_grad_(False)
            if isinstance(module, _BATCHNORMS):
                module.eval()


def _is_frozen_batchnorm(module: nn.Module) -> bool:
    params = list(module.parameters(recurse=False))
    return (
        isinstance(module, _BATCHNORMS)
        and bool(params)
        and not any(p.requires_grad for p in params)
    )


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
    model.train()  # undoes freeze's eval() on the frozen BatchNorms ...
    for module in model.modules():
        if _is_frozen_batchnorm(module):
            module.eval()  # ... so put them back
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def layerwise_lrs(head_lr: float, decay: float, stages: Sequence[str]) -> dict[str, float]:
    """Learning rates that shrink by a factor decay per stage, going down from the head.

    stages: submodule names from the input side to the output side, the head last
    (["layer3", "layer4", "fc"]). The last stage gets head_lr, the one before it
    head_lr * decay, and stage k of n gets head_lr * decay ** (n - 1 - k).
    Returns {stage: lr} in the order of stages. Raises ValueError if stages is empty,
    or if head_lr <= 0 or decay is not in (0, 1].
    """
    if not stages:
        raise ValueError("stages is empty: name at least the head")
    if head_lr <= 0 or not 0 < decay <= 1:
        raise ValueError(f"need head_lr > 0 and 0 < decay <= 1, got {head_lr}, {decay}")
    n = len(stages)
    return {stage: head_lr * decay ** (n - 1 - k) for k, stage in enumerate(stages)}


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
    modules = dict(model.named_modules())
    unknown = [name for name in lrs if name not in modules]
    if unknown:
        raise ValueError(f"no submodule named {unknown} in the model")
    owner: dict[int, str] = {}
    groups = []
    for name, lr in lrs.items():
        params = [p for p in modules[name].parameters() if p.requires_grad]
        if not params:
            raise ValueError(f"{name} has no trainable parameter: is it frozen?")
        for p in params:
            if id(p) in owner:
                raise ValueError(f"{name} and {owner[id(p)]} overlap: a parameter is in both")
            owner[id(p)] = name
        groups.append({"params": params, "lr": lr})
    left = [n for n, p in model.named_parameters() if p.requires_grad and id(p) not in owner]
    if left:
        raise ValueError(f"trainable parameters in no group: {left}")
    return groups
