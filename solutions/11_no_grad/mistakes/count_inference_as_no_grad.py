"""Mistake: mode "inference" run under torch.no_grad().

The count is 0 either way, but the forward is not in inference mode: no inference tensors,
and none of inference_mode's savings (version counters, view tracking).
"""

import torch

CAUGHT_BY = "inside torch.inference_mode()"
REJECTED_BY = "test_saved_tensor_count_runs_the_forward_once_in_its_mode"


def saved_tensor_count(model, x, mode):
    contexts = {"grad": torch.enable_grad, "no_grad": torch.no_grad, "inference": torch.no_grad}
    if mode not in contexts:
        raise ValueError(mode)
    count = 0

    def pack(t):
        nonlocal count
        count += 1
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), contexts[mode]():
        model(x)
    return count
