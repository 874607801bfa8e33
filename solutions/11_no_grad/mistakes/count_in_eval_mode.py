"""Mistake: model.eval() before counting, "the question is about an eval forward".

The caller's model is left in eval mode, and a model in train mode is not measured as it
is: Dropout in train mode saves its mask, in eval mode it saves nothing.
"""

import torch

CAUGHT_BY = "changed the training flag"
REJECTED_BY = "test_saved_tensor_count_leaves_the_model_and_x_alone"


def saved_tensor_count(model, x, mode):
    contexts = {"grad": torch.enable_grad, "no_grad": torch.no_grad}
    contexts["inference"] = torch.inference_mode
    if mode not in contexts:
        raise ValueError(mode)
    model.eval()
    count = 0

    def pack(t):
        nonlocal count
        count += 1
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), contexts[mode]():
        model(x)
    return count
