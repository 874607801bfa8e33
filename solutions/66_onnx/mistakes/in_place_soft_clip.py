"""Mistake: the op computes in place on x (div_, tanh_, mul_) and returns it.

It declares mutates_args=() yet changes its input and returns an alias of it: the
caller's tensor is overwritten, and the compiler's assumptions about the op are false.
"""

import torch

CAUGHT_BY = "mutates_args=()"
REJECTED_BY = "test_soft_clip_op_passes_opcheck"


def register_soft_clip(qualname):
    @torch.library.custom_op(qualname, mutates_args=())
    def soft_clip(x: torch.Tensor, limit: float) -> torch.Tensor:
        return x.div_(limit).tanh_().mul_(limit)

    @soft_clip.register_fake
    def _(x, limit):
        return torch.empty_like(x)

    return soft_clip
