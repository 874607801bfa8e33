"""Mistake: looking each name up and registering its hook in the same loop.

A bad name raises only after the earlier names' hooks are registered, and those stay on
the model.
"""

CAUGHT_BY = "before registering any hook"
REJECTED_BY = "test_unknown_name_raises_before_any_hook"


def capture_activations(model, x, names):
    acts = {}
    handles = []
    for name in names:

        def hook(module, inputs, output, name=name):
            acts[name] = output.detach().clone()

        handles.append(model.get_submodule(name).register_forward_hook(hook))
    try:
        output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return output, {name: acts[name] for name in names}
