"""Mistake: counting in the unpack hook instead of the pack hook.

unpack runs when a backward reads a saved tensor; without a backward it never runs, so
the count is 0 in every mode.
"""

import torch

CAUGHT_BY = "counting in the unpack hook"
REJECTED_BY = "test_saved_tensor_count_in_grad_mode_is_what_autograd_saves"


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
        model(x)
    return count
