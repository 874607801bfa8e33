"""Mistake: names.sort() to register the hooks in the model's order.

sort() works on the caller's list: the caller's names come back reordered, and so do the
activations' keys, which the caller may zip with its own list.
"""

CAUGHT_BY = "changed the caller's list of names"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    names.sort()
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
    return output, {name: acts[name] for name in names}
