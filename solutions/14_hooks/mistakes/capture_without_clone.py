"""Mistake: storing output.detach() in the forward hook, without clone().

detach() shares memory with the output; a later in-place op (ReLU(inplace=True)) then
rewrites the "captured" activation.
"""

CAUGHT_BY = "in-place ReLU"
REJECTED_BY = "test_captures_each_named_output"


def capture_activations(model, x, names):
    modules = {name: model.get_submodule(name) for name in names}
    acts = {}
    handles = []
    for name, module in modules.items():

        def hook(module, inputs, output, name=name):
            acts[name] = output.detach()

        handles.append(module.register_forward_hook(hook))
    try:
        output = model(x)
    finally:
        for handle in handles:
            handle.remove()
    return output, {name: acts[name] for name in names}
