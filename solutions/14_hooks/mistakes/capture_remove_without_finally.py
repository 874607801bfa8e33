"""Mistake: removing the hooks after the forward, but not in a finally block.

When the forward raises, the removal is skipped and the hooks stay on the model.
"""

CAUGHT_BY = "in a finally"
REJECTED_BY = "test_hooks_removed_when_forward_raises"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    handles = []
    for name, module in modules.items():

        def hook(module, inputs, output, name=name):
            acts[name] = output.detach().clone()

        handles.append(module.register_forward_hook(hook))
    output = model(x)
    for handle in handles:
        handle.remove()
    return output, {name: acts[name] for name in names}
