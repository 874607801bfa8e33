"""Mistake: replacing only the nn.ReLU submodules (call_module nodes).

F.relu, torch.relu and x.relu() are call_function / call_method nodes: they stay ReLUs.
"""

from torch import fx, nn

CAUGHT_BY = "functional forms"
REJECTED_BY = "test_every_relu_form_calls_the_new_activation"


def replace_relu(model, activation):
    traced = fx.symbolic_trace(model)
    modules = dict(traced.named_modules())
    for node in list(traced.graph.nodes):
        if node.op == "call_module" and isinstance(modules[node.target], nn.ReLU):
            with traced.graph.inserting_after(node):
                new = traced.graph.call_function(activation, (node.args[0],))
            node.replace_all_uses_with(new)
            traced.graph.erase_node(node)
    traced.delete_all_unused_submodules()
    traced.recompile()
    return traced
