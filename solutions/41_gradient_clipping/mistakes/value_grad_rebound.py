"""Mistake: clip_grad_value rebinds p.grad = p.grad.clamp(...) instead of clamp_ in place.

The values are right, but .grad is a new tensor, so whoever holds the old gradient tensor
still sees the unclipped values; the docstring promises an in-place clamp.
"""

import torch

CAUGHT_BY = "edited in place"
REJECTED_BY = "test_clip_grad_value_clamps_in_place_at_the_bounds"


def clip_grad_value(parameters, clip_value):
    params = [parameters] if isinstance(parameters, torch.Tensor) else parameters
    for p in params:
        if p.grad is not None:
            p.grad = p.grad.clamp(-clip_value, clip_value)
