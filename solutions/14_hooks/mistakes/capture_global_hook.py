"""Mistake: one global forward hook (register_module_forward_hook) that filters by module.

It sees the named modules' outputs, but it is never removed: every module of every model
in the program now runs it on each forward.
"""

from torch import nn

CAUGHT_BY = "global forward hook(s) are still registered"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    wanted = {model.get_submodule(name): name for name in names}
    acts = {}

    def hook(module, inputs, output):
        if module in wanted:
            acts[wanted[module]] = output.detach().clone()

    nn.modules.module.register_module_forward_hook(hook)
    output = model(x)
    return output, {name: acts[name] for name in names}
