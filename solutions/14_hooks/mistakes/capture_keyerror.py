"""Mistake: looking names up in dict(model.named_modules()).

The lookup works for good names, but a bad one raises KeyError, where the docstring (and
get_submodule) promise AttributeError: a caller catching AttributeError misses it.
"""

CAUGHT_BY = "expected AttributeError"
REJECTED_BY = "test_unknown_name_raises_before_any_hook"


def capture_activations(model, x, names):
    table = dict(model.named_modules())
    modules = {name: table[name] for name in names}
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
