"""Kata 11: evaluation without a graph: no_grad, inference_mode, detach. See README.md."""

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def predict(model: nn.Module, x: Tensor) -> Tensor:
    """model(x) for evaluation: eval mode, no autograd graph, the model left as it was.

    model: any nn.Module (it may hold Dropout and BatchNorm), with any mix of submodules in
    train and eval mode; x: a batch it accepts, on the model's device. Runs the forward in
    eval mode under torch.no_grad() and returns the output: requires_grad False, grad_fn None,
    equal to what the model gives in eval mode. Afterwards every submodule's `training` flag
    is what it was before the call; parameters and buffers (BatchNorm running statistics)
    hold the same values; parameters keep requires_grad and .grad. x is not changed.
    """
    modes = {module: module.training for module in model.modules()}
    model.eval()  # Dropout off, BatchNorm uses (and does not update) its running stats
    try:
        with torch.no_grad():  # record nothing: no graph, no saved activations
            return model(x)
    finally:
        # restore each submodule's own flag: model.train(old) would unfreeze frozen parts
        for module, training in modes.items():
            module.training = training


def predict_fast(model: nn.Module, x: Tensor) -> Tensor:
    """As predict(), but under torch.inference_mode() instead of torch.no_grad().

    Same contract as predict(); in addition the result is an inference tensor
    (result.is_inference() is True), which autograd will refuse to record later.
    """
    modes = {module: module.training for module in model.modules()}
    model.eval()
    try:
        # stricter than no_grad: no version counters either, and the outputs are marked
        with torch.inference_mode():
            return model(x)
    finally:
        for module, training in modes.items():
            module.training = training


def frozen_features_loss(
    backbone: nn.Module, head: nn.Module, x: Tensor, targets: Tensor
) -> Tensor:
    """The cross-entropy loss of head on the backbone's features, for training the head only.

    x: (B, ...) input for backbone; backbone(x) gives (B, F) features; head maps (B, F) to
    (B, K) logits; targets: (B,) long class indices. Returns the scalar
    F.cross_entropy(head(features), targets) with a graph into head's parameters and none
    into the backbone's: after loss.backward() every backbone parameter's .grad is still
    None. Both modules run in their current mode; no parameter's requires_grad is changed.
    """
    # detach() cuts the graph here: backward stops at the features (no_grad would do too)
    features = backbone(x).detach()  # (B, F)
    logits = head(features)  # (B, K)
    return F.cross_entropy(logits, targets)


_MODES = {"grad": torch.enable_grad, "no_grad": torch.no_grad, "inference": torch.inference_mode}


def saved_tensor_count(model: nn.Module, x: Tensor, mode: str) -> int:
    """How many tensors autograd saves for backward during one forward pass model(x).

    mode: "grad" (autograd on, also when the caller is inside torch.no_grad()), "no_grad"
    (under torch.no_grad()) or "inference" (under torch.inference_mode()). Runs model(x)
    once in that mode inside torch.autograd.graph.saved_tensors_hooks, whose pack hook counts
    every tensor autograd saves, and returns the count as an int: positive in "grad" mode
    for a model whose parameters require grad, 0 in the other two modes. The model runs as
    it is: no submodule's train/eval flag is changed. No backward is run, so no parameter
    gets a .grad; x is not changed. Raises ValueError for any other mode.
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {sorted(_MODES)}, got {mode!r}")
    count = 0

    def pack(t: Tensor) -> Tensor:
        nonlocal count
        count += 1  # called once per tensor autograd keeps for backward, as it saves it
        return t  # what autograd stores; unpack hands it back if a backward ever runs

    def unpack(t: Tensor) -> Tensor:
        return t

    # enable_grad turns autograd back on even inside a caller's no_grad block
    with torch.autograd.graph.saved_tensors_hooks(pack, unpack), _MODES[mode]():
        model(x)  # the output (and the graph with its saved tensors) is dropped here
    return count
