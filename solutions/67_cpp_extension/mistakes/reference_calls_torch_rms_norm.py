"""Mistake: the Python op calls torch.nn.functional.rms_norm instead of writing it.

Right values, but the kata asks for the maths in plain torch operations: the reference is
what the C++ kernel is written from.
"""

import torch.nn.functional as F

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_reference_equals_torch_rms_norm"


def rms_norm_reference(x, weight, eps):
    return F.rms_norm(x, (x.shape[-1],), weight, eps)
