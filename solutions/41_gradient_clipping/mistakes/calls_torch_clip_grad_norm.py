"""Mistake: calling torch.nn.utils.clip_grad_norm_ instead of writing it.

Right values, but the kata asks for the computation itself: the norm of the per-tensor
norms and the clamped coefficient.
"""

import torch

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_clip_grad_norm_matches_torch"


def clip_grad_norm(parameters, max_norm, norm_type=2.0):
    return torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type)
