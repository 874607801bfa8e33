"""Mistake: the custom op defined without a fake implementation.

Eager calls work, but torch.export (and torch.compile) trace with fake tensors: without
register_fake they cannot tell the output's shape and fail.
"""

import torch

CAUGHT_BY = "register_fake"
REJECTED_BY = "test_soft_clip_op_passes_opcheck"


def register_soft_clip(qualname):
    @torch.library.custom_op(qualname, mutates_args=())
    def soft_clip(x: torch.Tensor, limit: float) -> torch.Tensor:
        return limit * torch.tanh(x / limit)

    return soft_clip
