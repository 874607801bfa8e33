"""Mistake: the nn.ReLU call_module nodes replaced, but their submodules kept.

The GraphModule still carries modules nothing calls: dead weight in every saved copy and
a confusing print(gm).
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "delete_all_unused_submodules"
REJECTED_BY = "test_no_relu_submodule_is_left"

solution = solution_for(__file__)


def replace_relu(model, activation):
    from torch import fx

    traced = fx.symbolic_trace(model)
    modules = dict(traced.named_modules())
    for node in list(traced.graph.nodes):
        if solution._is_relu(node, modules):
            with traced.graph.inserting_after(node):
                new = traced.graph.call_function(activation, (node.args[0],))
            node.replace_all_uses_with(new)
            traced.graph.erase_node(node)
    traced.graph.lint()
    traced.recompile()
    return traced
