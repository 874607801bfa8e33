"""Mistake: one forward under no_grad with the hooks, then a second model(x) for the output.

The model runs twice: twice the cost, and every side effect of a forward (BatchNorm's
running statistics, a counter, dropout's random stream) happens twice.
"""

import torch

CAUGHT_BY = "ran the model's forward 2 times"
REJECTED_BY = "test_runs_the_model_once"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    handles = []
    for name, module in modules.items():

        def hook(module, inputs, output, name=name):
            acts[name] = output.detach().clone()

        handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():  # the captures need no graph
            model(x)
    finally:
        for handle in handles:
            handle.remove()
    output = model(x)  # and the output with its graph
    return output, {name: acts[name] for name in names}
