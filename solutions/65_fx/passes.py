"""Kata 65: graph passes with torch.fx. See README.md in this folder."""

import copy
from collections.abc import Callable

import torch
import torch.nn.functional as F
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
    traced = fx.symbolic_trace(model)  # shares submodules with model: edit the graph only
    modules = dict(traced.named_modules())
    for node in list(traced.graph.nodes):
        if not _is_relu(node, modules):
            continue
        with traced.graph.inserting_after(node):
            # only the input: F.relu's inplace= means nothing to another activation
            replacement = traced.graph.call_function(activation, (node.args[0],))
        node.replace_all_uses_with(replacement)
        traced.graph.erase_node(node)
    traced.delete_all_unused_submodules()  # the nn.ReLU modules nothing calls any more
    traced.graph.lint()
    traced.recompile()  # regenerate forward() from the edited graph
    return traced


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
    with torch.no_grad():
        if conv_bias is None:
            conv_bias = torch.zeros_like(bn_mean)
        if bn_weight is None:
            bn_weight = torch.ones_like(bn_mean)
        if bn_bias is None:
            bn_bias = torch.zeros_like(bn_mean)
        scale = bn_weight * torch.rsqrt(bn_var + bn_eps)  # (C_out,)
        # (C_out, 1, ..., 1): one factor per output channel, whatever the kernel's dims
        weight = conv_weight * scale.reshape(-1, *[1] * (conv_weight.dim() - 1))
        bias = (conv_bias - bn_mean) * scale + bn_bias  # (C_out,)
    return weight.to(conv_weight.dtype), bias.to(conv_weight.dtype)


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
    if model.training:
        raise ValueError(
            "fuse_conv_bn needs a model in eval mode (call model.eval()): in train mode "
            "BatchNorm uses each batch's statistics, which a fused conv cannot reproduce"
        )
    # a deep copy first: symbolic_trace would share the caller's conv and BN modules
    traced = fx.symbolic_trace(copy.deepcopy(model))
    modules = dict(traced.named_modules())
    for node in list(traced.graph.nodes):
        conv_node = _conv_feeding(node, modules)
        if conv_node is None:
            continue
        conv, bn = modules[conv_node.target], modules[node.target]
        weight, bias = fuse_conv_bn_weights(
            conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
        )
        fused = copy.deepcopy(conv)  # same stride, padding, groups, ...
        fused.weight = nn.Parameter(weight)
        fused.bias = nn.Parameter(bias)
        _set_submodule(traced, conv_node.target, fused)
        modules[conv_node.target] = fused
        node.replace_all_uses_with(conv_node)  # the BN's users now read the fused conv
        traced.graph.erase_node(node)
    traced.delete_all_unused_submodules()
    traced.graph.lint()
    traced.recompile()
    return traced.eval()


def _is_relu(node: fx.Node, modules: dict[str, nn.Module]) -> bool:
    """A ReLU in any of the forms symbolic_trace records."""
    if node.op == "call_module":
        return isinstance(modules.get(node.target), nn.ReLU)
    if node.op == "call_function":
        return node.target in (F.relu, torch.relu)
    return node.op == "call_method" and node.target == "relu"


def _conv_feeding(node: fx.Node, modules: dict[str, nn.Module]) -> fx.Node | None:
    """For a BatchNorm2d node fed by a Conv2d node that nothing else uses: that conv node."""
    if node.op != "call_module" or not isinstance(modules[node.target], nn.BatchNorm2d):
        return None
    conv_node = node.args[0]
    if (
        isinstance(conv_node, fx.Node)
        and conv_node.op == "call_module"
        and isinstance(modules[conv_node.target], nn.Conv2d)
        and len(conv_node.users) == 1  # another user needs the un-normalised output
    ):
        return conv_node
    return None


def _set_submodule(root: nn.Module, target: str, module: nn.Module) -> None:
    """Replace root's submodule at a dotted target such as "features.0", in its parent."""
    parent, _, child = target.rpartition(".")
    setattr(root.get_submodule(parent), child, module)
