"""Mistake: all first choices placed before any second choice (slot-major order).

A sensible policy (GShard uses it), but not the documented one: position order, token by
token. Which tokens are dropped then differs from what the caller was promised.
"""

import torch
import torch.nn.functional as F

CAUGHT_BY = "all first choices before any second choice"
REJECTED_BY = "test_dispatch_slots_follow_position_order"


def dispatch(x, experts, num_experts, capacity):
    num_tokens, k = experts.shape
    flat = experts.T.reshape(-1)  # slot-major
    one_hot = F.one_hot(flat, num_experts)
    position = (one_hot.cumsum(dim=0) * one_hot).sum(dim=1) - 1
    kept = position < capacity
    tokens = torch.arange(num_tokens, device=x.device).repeat(k)
    buffer = x.new_zeros(num_experts, capacity, x.shape[1])
    buffer = buffer.index_put((flat[kept], position[kept]), x[tokens[kept]])
    slot = torch.where(kept, position, torch.full_like(position, -1))
    return buffer, slot.reshape(k, num_tokens).T
