"""Mistake: returning the dict the hooks filled, whose keys come in the order they fired.

The hooks fire in the model's order, not in the order of names: a caller who zips the
result with names, or reads list(acts), pairs names with the wrong activations.
"""

CAUGHT_BY = "in the order the hooks fired"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    handles = []
    for name, module in modules.items():

        def hook(module, inputs, output, name=name):
            acts[name] = output.detach().clone()

        handles.append(module.register_forward_hook(hook))
    try:
        output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return output, acts
