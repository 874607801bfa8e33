"""Mistake: storing output.clone() without detach().

The copy is still part of the autograd graph: holding the activations keeps the whole
forward graph (and its saved tensors) alive.
"""

CAUGHT_BY = "still attached to the graph"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    handles = []
    for name, module in modules.items():

        def hook(module, inputs, output, name=name):
            acts[name] = output.clone()

        handles.append(module.register_forward_hook(hook))
    try:
        output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return output, {name: acts[name] for name in names}
