"""Mistake: removing the hooks with module._forward_hooks.clear() instead of the handles.

It removes every forward hook of those modules, the caller's own (a logger, a profiler)
with the ones this function added.
"""

CAUGHT_BY = "_forward_hooks.clear() removes every hook"
REJECTED_BY = "test_the_callers_own_hooks_stay"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    for name, module in modules.items():

        def hook(module, inputs, output, name=name):
            acts[name] = output.detach().clone()

        module.register_forward_hook(hook)
    try:
        output = model(x)
    finally:
        for module in modules.values():
            module._forward_hooks.clear()
    return output, {name: acts[name] for name in names}
