"""Mistake: hooking every module, running the model, then picking the names asked for.

The right activations come back, but a bad name is noticed only after the forward ran:
the docstring raises before running the model (a forward can be expensive, or have side
effects such as BatchNorm's running statistics).
"""

CAUGHT_BY = "before raising for the bad name"
REJECTED_BY = "test_unknown_name_raises_before_any_hook"


def capture_activations(model, x, names):
    acts = {}
    handles = []
    for name, module in model.named_modules():

        def hook(module, inputs, output, name=name):
            acts[name] = output.detach().clone()

        handles.append(module.register_forward_hook(hook))
    try:
        output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    for name in names:
        if name not in acts:
            raise AttributeError(f"no submodule named {name!r}")
    return output, {name: acts[name] for name in names}
