"""Mistake: the BatchNorm nodes erased, but the BatchNorm submodules kept in the GraphModule.

Nothing calls them any more; they are dead weight in every saved copy of the model.
"""

import copy

from torch import fx, nn

from torchkatas.harness import solution_for

CAUGHT_BY = "delete_all_unused_submodules"
REJECTED_BY = "test_fused_chain_has_no_batchnorm_and_the_same_outputs"

solution = solution_for(__file__)


def fuse_conv_bn(model):
    if model.training:
        raise ValueError("fuse_conv_bn needs a model in eval mode")
    traced = fx.symbolic_trace(copy.deepcopy(model))
    modules = dict(traced.named_modules())
    for node in list(traced.graph.nodes):
        conv_node = solution._conv_feeding(node, modules)
        if conv_node is None:
            continue
        conv, bn = modules[conv_node.target], modules[node.target]
        weight, bias = solution.fuse_conv_bn_weights(
            conv.weight, conv.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias
        )
        fused = copy.deepcopy(conv)
        fused.weight = nn.Parameter(weight)
        fused.bias = nn.Parameter(bias)
        solution._set_submodule(traced, conv_node.target, fused)
        modules[conv_node.target] = fused
        node.replace_all_uses_with(conv_node)
        traced.graph.erase_node(node)
    traced.graph.lint()
    traced.recompile()
    return traced.eval()
