"""Mistake: running a backward so that the unpack hook counts the saved tensors.

The count comes out right, but the backward fills every parameter's .grad: the caller's
next optimizer.step() would apply a gradient nobody asked for.
"""

import torch

CAUGHT_BY = "it ran a backward"
REJECTED_BY = "test_saved_tensor_count_leaves_the_model_and_x_alone"


def saved_tensor_count(model, x, mode):
    contexts = {"grad": torch.enable_grad, "no_grad": torch.no_grad}
    contexts["inference"] = torch.inference_mode
    if mode not in contexts:
        raise ValueError(mode)
    count = 0

    def unpack(t):
        nonlocal count
        count += 1
        return t

    with torch.autograd.graph.saved_tensors_hooks(lambda t: t, unpack), contexts[mode]():
        out = model(x)
        if out.requires_grad:
            out.sum().backward()
    return count
