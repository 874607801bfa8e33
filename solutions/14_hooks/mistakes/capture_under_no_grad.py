"""Mistake: the whole forward under torch.no_grad(), "we are only inspecting".

The activations come out right, but the returned output has no graph: the caller cannot
backpropagate a loss computed from it.
"""

import torch

CAUGHT_BY = "lost its graph"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    handles = []
    for name, module in modules.items():

        def hook(module, inputs, output, name=name):
            acts[name] = output.detach().clone()

        handles.append(module.register_forward_hook(hook))
    try:
        with torch.no_grad():
            output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return output, {name: acts[name] for name in names}
