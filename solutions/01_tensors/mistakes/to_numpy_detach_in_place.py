"""Mistake: to_numpy() calls t.detach_() (in place) instead of t.detach().

detach_() turns off requires_grad on the caller's own tensor: a parameter passed in stops
training.
"""

import torch

CAUGHT_BY = "changed the caller's t"
REJECTED_BY = "test_to_numpy_detaches_a_tensor_that_requires_grad"


def to_numpy(t):
    if t.requires_grad:
        t.detach_()
    if t.dtype == torch.bfloat16:
        t = t.float()
    return t.cpu().numpy()
