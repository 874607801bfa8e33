"""Mistake: mode "grad" runs the forward as it is, without torch.enable_grad().

Grad mode is thread-local state: called inside the caller's torch.no_grad() block, the
"grad" forward records nothing and the count is 0.
"""

import contextlib

import torch

CAUGHT_BY = "wrap it in torch.enable_grad()"
REJECTED_BY = "test_saved_tensor_count_turns_grad_on_inside_a_callers_no_grad"


def saved_tensor_count(model, x, mode):
    contexts = {"grad": contextlib.nullcontext, "no_grad": torch.no_grad}
    contexts["inference"] = torch.inference_mode
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
