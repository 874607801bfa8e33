"""Mistake: the Python op scales x in place to save memory.

The caller's x is overwritten with the result.
"""

import torch

CAUGHT_BY = "changed the caller's x"
REJECTED_BY = "test_reference_does_not_change_its_inputs"


def rms_norm_reference(x, weight, eps):
    r = torch.rsqrt(x.pow(2).mean(dim=-1, keepdim=True) + eps)
    return x.mul_(r).mul_(weight)
