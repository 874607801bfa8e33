"""Mistake: resolving a dotted name with getattr, one part at a time.

That works for "2.0", but named_modules() calls the model itself "" and getattr(model, "")
raises: the model's own output cannot be captured.
"""

import functools

CAUGHT_BY = "looking names up with getattr"
REJECTED_BY = "test_the_empty_name_is_the_model_itself"


def capture_activations(model, x, names):
    modules = {name: functools.reduce(getattr, name.split("."), model) for name in names}
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
