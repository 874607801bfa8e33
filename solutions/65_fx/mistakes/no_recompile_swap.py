"""Mistake: editing the traced graph without calling recompile() afterwards.

A GraphModule runs the Python code generated from its graph at the last recompile: the
edited graph is never run, so the module still computes ReLU.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "recompile"
REJECTED_BY = "test_every_relu_form_calls_the_new_activation"

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
    return traced
