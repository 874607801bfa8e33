"""Mistake: mode "no_grad" implemented as model(x.detach()).

Detaching the input cuts nothing: the parameters still require grad, so autograd records
the graph and saves the activations it needs for their gradients.
"""

import torch

CAUGHT_BY = "x.detach() does not stop"
REJECTED_BY = "test_saved_tensor_count_is_zero_without_grad"


def saved_tensor_count(model, x, mode):
    if mode not in ("grad", "no_grad", "inference"):
        raise ValueError(mode)
    count = 0

    def pack(t):
        nonlocal count
        count += 1
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        if mode == "grad":
            with torch.enable_grad():
                model(x)
        elif mode == "no_grad":
            model(x.detach())
        else:
            with torch.inference_mode():
                model(x)
    return count
