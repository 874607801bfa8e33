"""Mistake: a bool attn_mask of nn.MultiheadAttention taken as "True = may see".

In nn.MultiheadAttention a bool attn_mask is True where attention is NOT allowed, the
opposite of F.scaled_dot_product_attention's; a causal triu mask then shows only the future.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "attn_mask inverted"
REJECTED_BY = "test_bool_attn_mask_true_means_not_allowed"


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
                bias = bias.masked_fill(~attn_mask, float("-inf"))
            else:
                bias = bias + attn_mask
        out, weights = solution.scaled_dot_product_attention(q, k, v, attn_mask=bias)
        out = self.out_proj(solution.merge_heads(out))
        if not self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        return out, weights.mean(dim=1) if average_attn_weights else weights
