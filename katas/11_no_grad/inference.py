"""Kata 11: evaluation without a graph: no_grad, inference_mode, detach. See README.md."""

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
    # TODO: remember each submodule's .training, model.eval(), torch.no_grad(), restore
    raise NotImplementedError("TODO: predict(model, x)")


def predict_fast(model: nn.Module, x: Tensor) -> Tensor:
    """As predict(), but under torch.inference_mode() instead of torch.no_grad().

    Same contract as predict(); in addition the result is an inference tensor
    (result.is_inference() is True), which autograd will refuse to record later.
    """
    # TODO: the same steps as predict(), with torch.inference_mode()
    raise NotImplementedError("TODO: predict_fast(model, x)")


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
    # TODO: cut the graph between backbone and head: detach() (or no_grad) for the features
    raise NotImplementedError("TODO: frozen_features_loss(backbone, head, x, targets)")


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
    # TODO: a pack hook that counts and returns its tensor, an unpack hook that returns it;
    # the mode's context manager (torch.enable_grad, torch.no_grad, torch.inference_mode)
    raise NotImplementedError("TODO: saved_tensor_count(model, x, mode)")
