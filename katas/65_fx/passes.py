"""Kata 65: graph passes with torch.fx. See README.md in this folder."""

from collections.abc import Callable

from torch import Tensor, fx, nn


def replace_relu(model: nn.Module, activation: Callable[[Tensor], Tensor]) -> fx.GraphModule:
    """A traced copy of model in which every ReLU calls activation instead.

    Trace with torch.fx.symbolic_trace. Every ReLU node, in any of its forms (an nn.ReLU
    submodule, inplace or not; F.relu(x) or F.relu(x, inplace=True); torch.relu(x);
    x.relu()), becomes a call_function node calling activation(x) on the ReLU's input, and
    only on it (no inplace= or other keyword arguments). activation is a named function such
    as F.gelu or torch.sigmoid (fx cannot generate code for a lambda).
    Afterwards no ReLU node and no nn.ReLU submodule is left in the GraphModule; its graph
    passes graph.lint() and its code is regenerated (recompile()), so that calling it runs
    the new graph. The caller's model is not modified (it keeps its ReLUs).
    """
    # TODO: symbolic_trace, find the ReLU nodes (op and target), insert call_function nodes,
    # replace_all_uses_with, erase_node, delete_all_unused_submodules, lint, recompile
    raise NotImplementedError("TODO: replace_relu(model, activation)")


def fuse_conv_bn_weights(
    conv_weight: Tensor,
    conv_bias: Tensor | None,
    bn_mean: Tensor,
    bn_var: Tensor,
    bn_eps: float,
    bn_weight: Tensor | None,
    bn_bias: Tensor | None,
) -> tuple[Tensor, Tensor]:
    """Weight and bias of the one convolution equal to a convolution then an eval-mode BatchNorm.

    conv_weight: (C_out, C_in / groups, *kernel) for a Conv1d, Conv2d or Conv3d; conv_bias:
    (C_out,) or None (no bias, i.e. zeros). bn_mean, bn_var: the BatchNorm's running
    statistics, (C_out,); bn_eps its eps; bn_weight (gamma) and bn_bias (beta): (C_out,), or
    None for BatchNorm(affine=False) (ones and zeros).
    With s = gamma / sqrt(var + eps), one factor per output channel:
    W' = W * s (each output channel's slice W[c] times s[c]) and b' = (b - mean) * s + beta.
    Returns (W', b') in conv_weight's dtype, on its device: new tensors that do not require
    grad; the inputs are not modified. Do not call torch.nn.utils.fusion.
    """
    # TODO: s = gamma * torch.rsqrt(var + eps); reshape s to (C_out, 1, ..., 1) for W
    raise NotImplementedError("TODO: fuse_conv_bn_weights(...)")


def fuse_conv_bn(model: nn.Module) -> fx.GraphModule:
    """A traced copy of model with every Conv2d -> BatchNorm2d pair fused into one Conv2d.

    model must be in eval mode: raises ValueError if model.training (a BatchNorm in train
    mode normalises with each batch's statistics, which no fixed conv can reproduce).
    Trace with torch.fx.symbolic_trace. For each call_module node of an nn.BatchNorm2d whose
    input is a call_module node of an nn.Conv2d, and when that conv's output has no other
    user: the conv submodule is replaced by a new nn.Conv2d with the fused weight and bias
    (fuse_conv_bn_weights; always with a bias), the BatchNorm node's users are given the
    conv node instead, the BatchNorm node is erased and its submodule deleted. A conv whose
    output has another user too is not fused (that user needs the un-normalised output);
    nor is a BatchNorm whose input is not a conv.
    Conv targets can be nested ("features.0"). Afterwards the graph passes graph.lint() and
    the code is regenerated (recompile()). Returns the GraphModule in eval mode; it computes
    what model computes, up to float rounding. The caller's model (its modules, parameters
    and buffers) is not modified: symbolic_trace shares submodules with the model it traces.
    """
    # TODO: check model.training, trace a copy.deepcopy(model), match the pattern, swap the conv
    # (in its parent module), reroute the BN's users, erase, delete submodules, lint, recompile
    raise NotImplementedError("TODO: fuse_conv_bn(model)")
