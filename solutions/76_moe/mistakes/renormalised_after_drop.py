"""Mistake: the kept weights renormalised to sum to 1 after some assignments were dropped.

Not the documented behaviour: a token that lost one of its experts gets a rescaled output
instead of the kept share.
"""

import torch

CAUGHT_BY = "renormalised after the drops"
REJECTED_BY = "test_combine_equals_a_loop"


def combine(expert_out, experts, weights, slot):
    kept = slot >= 0
    rows = expert_out[experts, slot.clamp(min=0)]
    scale = torch.where(kept, weights, torch.zeros_like(weights))
    scale = scale / scale.sum(dim=1, keepdim=True).clamp_min(1e-30)
    return (scale.unsqueeze(-1) * rows).sum(dim=1)
