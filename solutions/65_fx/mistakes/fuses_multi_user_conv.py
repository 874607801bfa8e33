"""Mistake: fusing every conv -> BN pair, even when the conv's output has other users.

Those users (a residual sum, say) need the un-normalised conv output; after fusing they get
the normalised one.
"""

import copy

from torch import fx, nn

from torchkatas.harness import solution_for

CAUGHT_BY = "other users"
REJECTED_BY = "test_only_fusable_pairs_are_fused"

solution = solution_for(__file__)


def fuse_conv_bn(model):
    if model.training:
        raise ValueError("fuse_conv_bn needs a model in eval mode")
    traced = fx.symbolic_trace(copy.deepcopy(model))
    modules = dict(traced.named_modules())
    for node in list(traced.graph.nodes):
        if node.op != "call_module" or not isinstance(modules[node.target], nn.BatchNorm2d):
            continue
        conv_node = node.args[0]
        if conv_node.op != "call_module" or not isinstance(modules[conv_node.target], nn.Conv2d):
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
    traced.delete_all_unused_submodules()
    traced.graph.lint()
    traced.recompile()
    return traced.eval()
