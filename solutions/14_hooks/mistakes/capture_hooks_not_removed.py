"""Mistake: registering the forward hooks and never removing them.

The values are right once, but every later forward runs the hooks again, keeps copies of
the activations alive, and a second capture stacks more hooks on top.
"""

CAUGHT_BY = "still has forward hooks"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    for name, module in modules.items():

        def hook(module, inputs, output, name=name):
            acts[name] = output.detach().clone()

        module.register_forward_hook(hook)
    output = model(x)
    return output, {name: acts[name] for name in names}
