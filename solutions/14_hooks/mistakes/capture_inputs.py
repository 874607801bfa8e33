"""Mistake: the forward hook stores inputs[0] instead of output.

A forward hook is called as hook(module, inputs, output); the first tensor argument is
the module's input tuple, not its activation.
"""

CAUGHT_BY = "captured the module's input"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    handles = []
    for name, module in modules.items():

        def hook(module, inputs, output, name=name):
            acts[name] = inputs[0].detach().clone()

        handles.append(module.register_forward_hook(hook))
    try:
        output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return output, {name: acts[name] for name in names}
