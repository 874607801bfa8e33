"""Mistake: the new node gets the ReLU node's args and kwargs, inplace=True included.

F.relu(x, inplace=True) becomes activation(x, inplace=True), which torch.sigmoid or GELU
does not take: the GraphModule raises TypeError when called.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "inplace=True"
REJECTED_BY = "test_every_relu_form_calls_the_new_activation"

solution = solution_for(__file__)


def replace_relu(model, activation):
    from torch import fx

    traced = fx.symbolic_trace(model)
    modules = dict(traced.named_modules())
    for node in list(traced.graph.nodes):
        if solution._is_relu(node, modules):
            with traced.graph.inserting_after(node):
                new = traced.graph.call_function(activation, node.args, dict(node.kwargs))
            node.replace_all_uses_with(new)
            traced.graph.erase_node(node)
    traced.delete_all_unused_submodules()
    traced.graph.lint()
    traced.recompile()
    return traced
