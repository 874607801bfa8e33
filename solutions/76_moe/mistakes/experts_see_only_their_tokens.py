"""Mistake: each expert called on x[its accepted tokens] instead of its dispatch buffer.

The numbers agree, but the shapes change with the routing: an expert-parallel layer
exchanges fixed (capacity, dim) buffers between devices, and this layout cannot.
"""

import torch

from torchkatas.harness import solution_for

CAUGHT_BY = "whole (capacity, dim)"
REJECTED_BY = "test_moe_calls_each_expert_once_on_its_whole_buffer"

solution = solution_for(__file__)


class MoE(solution.MoE):
    def forward(self, x):
        num_experts = len(self.experts)
        logits = self.router(x)
        experts, weights = solution.top_k_route(logits, self.k)
        capacity = solution.expert_capacity(x.shape[0], num_experts, self.k, self.capacity_factor)
        buffer, slot = solution.dispatch(x, experts, num_experts, capacity)
        outs = []
        for e, expert in enumerate(self.experts):
            n = int(((experts == e) & (slot >= 0)).sum())
            rows = expert(buffer[e, :n])
            outs.append(torch.cat([rows, rows.new_zeros(capacity - n, rows.shape[1])]))
        output = solution.combine(torch.stack(outs), experts, weights, slot)
        refused = experts[slot < 0]
        dropped = torch.zeros(num_experts, dtype=torch.long, device=x.device)
        dropped.index_add_(0, refused, torch.ones_like(refused))
        return output, solution.load_balancing_loss(logits, experts), dropped
