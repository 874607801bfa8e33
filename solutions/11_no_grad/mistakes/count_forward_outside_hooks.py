"""Mistake: the hooks' with block closes before the forward runs.

saved_tensors_hooks applies only inside its with block: model(x) after it saves its
tensors without calling the pack hook, so the count stays 0.
"""

import torch

CAUGHT_BY = "ran after the `with saved_tensors_hooks"
REJECTED_BY = "test_saved_tensor_count_in_grad_mode_is_what_autograd_saves"


def saved_tensor_count(model, x, mode):
    contexts = {"grad": torch.enable_grad, "no_grad": torch.no_grad}
    contexts["inference"] = torch.inference_mode
    if mode not in contexts:
        raise ValueError(mode)
    count = 0

    def pack(t):
        nonlocal count
        count += 1
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        pass
    with contexts[mode]():
        model(x)
    return count
