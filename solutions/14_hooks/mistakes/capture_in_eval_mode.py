"""Mistake: model.eval() before capturing, "we are only inspecting".

The caller's model is left in eval mode, and the output is not what model(x) gives in the
mode the caller chose: Dropout and BatchNorm behave differently.
"""

CAUGHT_BY = "model.eval() (or train()) inside capture_activations"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    model.eval()
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
