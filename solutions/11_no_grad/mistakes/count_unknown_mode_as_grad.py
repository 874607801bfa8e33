"""Mistake: any mode that is not "no_grad" or "inference" runs as "grad".

A typo ("no grad", "eval") then silently counts with autograd on instead of failing.
"""

import torch

CAUGHT_BY = "expected ValueError"
REJECTED_BY = "test_saved_tensor_count_rejects_an_unknown_mode"


def saved_tensor_count(model, x, mode):
    if mode == "no_grad":
        context = torch.no_grad()
    elif mode == "inference":
        context = torch.inference_mode()
    else:
        context = torch.enable_grad()
    count = 0

    def pack(t):
        nonlocal count
        count += 1
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t), context:
        model(x)
    return count
