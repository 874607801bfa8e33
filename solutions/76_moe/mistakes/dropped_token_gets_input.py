"""Mistake: a token with every assignment dropped gets its input x back from the layer.

The doc says zeros: the caller's residual connection adds x. Returning x here too makes
the block output 2x for exactly the tokens that overflowed.
"""

from torchkatas.harness import solution_for

CAUGHT_BY = "got its input back"
REJECTED_BY = "test_moe_equals_a_per_token_loop"

solution = solution_for(__file__)


class MoE(solution.MoE):
    def forward(self, x):
        output, aux_loss, dropped = super().forward(x)
        experts, _ = solution.top_k_route(self.router(x), self.k)
        capacity = solution.expert_capacity(
            x.shape[0], len(self.experts), self.k, self.capacity_factor
        )
        _, slot = solution.dispatch(x, experts, len(self.experts), capacity)
        lost = (slot < 0).all(dim=1)
        output = output.clone()
        output[lost] = x[lost]
        return output, aux_loss, dropped
