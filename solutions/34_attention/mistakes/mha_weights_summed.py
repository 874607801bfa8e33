"""Mistake: the returned weights summed over the heads instead of averaged.

nn.MultiheadAttention averages them (each query's weights still sum to 1).
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "summed over the heads"
REJECTED_BY = "test_weights_are_averaged_over_heads_or_per_head"


class MultiHeadAttention(solution.MultiHeadAttention):
    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        attn_mask=None,
        need_weights=True,
        average_attn_weights=True,
    ):
        if not self.batch_first:
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        B, L, S = query.size(0), query.size(1), key.size(1)
        w, b = self.in_proj_weight.chunk(3), self.in_proj_bias.chunk(3)
        q, k, v = (
            solution.split_heads(F.linear(t, w[i], b[i]), self.num_heads)
            for i, t in enumerate((query, key, value))
        )
        bias = torch.zeros(B, 1, L, S, dtype=query.dtype, device=query.device)
        if key_padding_mask is not None:
            bias = bias.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        if attn_mask is not None:
            if attn_mask.dtype == torch.bool:
                bias = bias.masked_fill(attn_mask, float("-inf"))
            else:
                bias = bias + attn_mask
        out, weights = solution.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        out = self.out_proj(solution.merge_heads(out))
        if not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        return out, weights.sum(dim=1) if average_attn_weights else weights
