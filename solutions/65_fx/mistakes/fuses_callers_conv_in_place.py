"""Mistake: tracing the caller's model itself and writing the fused weights into its conv.

symbolic_trace shares the traced model's submodules: copying the fused weight into
traced.conv changes the caller's conv too, and its BN still follows it.
"""

import torch
from torch import fx, nn

from torchkatas.harness import solution_for

CAUGHT_BY = "changed the caller's model"
REJECTED_BY = "test_callers_model_is_untouched"

solution = solution_for(__file__)


def fuse_conv_bn(model):
    if model.training:
        raise ValueError("fuse_conv_bn needs a model in eval mode")
    traced = fx.symbolic_trace(model)
    modules = dict(traced.named_modules())
    for node in list(traced.graph.nodes):
        conv_node = solution._conv_feeding(node, modules)
        if conv_node is None:
            continue
        conv, bn = modules[conv_node.target], modules[node.target]
        weight, bias = solution.fuse_conv_bn_weights(
            conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
        )
        with torch.no_grad():
            conv.weight.copy_(weight)
            if conv.bias is None:
                conv.bias = nn.Parameter(bias)
            else:
                conv.bias.copy_(bias)
        node.replace_all_uses_with(conv_node)
        traced.graph.erase_node(node)
    traced.delete_all_unused_submodules()
    traced.graph.lint()
    traced.recompile()
    return traced.eval()
