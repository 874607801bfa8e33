"""Mistake: clip_grad_value clamps only from above (clamp_(max=clip_value)).

Large negative gradients pass through untouched; the range is [-clip_value, clip_value].
"""

import torch

CAUGHT_BY = "clamp both sides"
REJECTED_BY = "test_clip_grad_value_matches_torch"


def clip_grad_value(parameters, clip_value):
    params = [parameters] if isinstance(parameters, torch.Tensor) else parameters
    for p in params:
        if p.grad is not None:
            p.grad.clamp_(max=clip_value)
