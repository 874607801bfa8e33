"""Mistake: wraps torch's nn.MultiheadAttention instead of writing multi-head attention.

The right numbers (except the fully masked rows), but the kata asks for the projections,
head split and masks themselves.
"""

from torch import nn

from torchkatas.harness import solution_for

solution = solution_for(__file__)

CAUGHT_BY = "asks you to write yourself"
REJECTED_BY = "test_gradients_match_torch_multihead_attention"


class MultiHeadAttention(nn.MultiheadAttention):
    def __init__(self, embed_dim, num_heads, batch_first=False):
        super().__init__(embed_dim, num_heads, batch_first=batch_first)
