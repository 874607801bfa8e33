"""Mistake: soft_clip as limit * tanh(x), without dividing x by limit first.

The output is still bounded by limit, but its slope at 0 is limit instead of 1: for
small x it is not close to x.
"""

import torch

CAUGHT_BY = "divide inside the tanh"
REJECTED_BY = "test_soft_clip_op_computes_the_formula"


def register_soft_clip(qualname):
    @torch.library.custom_op(qualname, mutates_args=())
    def soft_clip(x: torch.Tensor, limit: float) -> torch.Tensor:
        return limit * torch.tanh(x)

    @soft_clip.register_fake
    def _(x, limit):
        return torch.empty_like(x)

    return soft_clip
