"""Mistake: a hook closure that reads the loop variable name when it runs, not when made.

Every hook runs after the loop has finished, so each one stores its output under the last
name: one key survives, holding whichever named module ran last.
"""

CAUGHT_BY = "reads the loop variable"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    handles = []
    for name, module in modules.items():

        def hook(module, inputs, output):
            acts[name] = output.detach().clone()  # noqa: B023 (the mistake itself)

        handles.append(module.register_forward_hook(hook))
    try:
        output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return output, dict(acts)
