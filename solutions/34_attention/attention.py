"""Kata 34: scaled dot-product attention and multi-head attention. See README.md."""

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def scaled_dot_product_attention(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    is_causal: bool = False,
    scale: float | None = None,
) -> tuple[Tensor, Tensor]:
    """softmax(query @ key^T * scale + mask) @ value, and the attention weights.

    query: (..., L, E), key: (..., S, E), value: (..., S, Ev), floating point, same dtype
    and device; the leading dimensions (none, batch, batch and heads, ...) broadcast.
    scale: the factor applied to the scores; None means 1 / sqrt(E), E = query.size(-1).
    The softmax runs over the key axis (the last one): each query's weights sum to 1.

    attn_mask, broadcastable to (..., L, S), follows F.scaled_dot_product_attention:
      - bool: True means "this key TAKES PART" for this query; False keys get weight 0.
      - floating (query's dtype): ADDED to the scaled scores; -inf means "takes no part".
      - any other dtype (an integer 0/1 mask is ambiguous): raises TypeError.
    is_causal=True also lets query i see only keys j <= i (a lower-triangular (L, S) mask,
    aligned at the top left as in F.scaled_dot_product_attention); it combines with
    attn_mask (a key takes part only when both allow it).
    A query row whose keys all take no part gets weights 0 and output 0 (no NaN, neither
    in the output nor in the gradients of query, key and value).

    Returns (output, weights): output (..., L, Ev) and weights (..., L, S) (the leading
    dimensions broadcast together), in query's dtype, on query's device. The inputs
    (tensors and mask) are not modified. Do not call F.scaled_dot_product_attention.
    """
    if (
        attn_mask is not None
        and attn_mask.dtype != torch.bool
        and not attn_mask.is_floating_point()
    ):
        raise TypeError(
            f"attn_mask must be bool (True = take part) or floating (added to the scores), "
            f"got {attn_mask.dtype}"
        )
    if scale is None:
        scale = 1.0 / math.sqrt(query.size(-1))
    scores = query @ key.transpose(-2, -1) * scale  # (..., L, S)
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    if is_causal:
        L, S = query.size(-2), key.size(-2)
        allowed = torch.ones(L, S, dtype=torch.bool, device=query.device).tril()
        scores = scores.masked_fill(~allowed, float("-inf"))
    # a row of nothing but -inf would give softmax 0/0 = NaN, and NaN gradients: give such
    # rows finite scores first, then zero their weights
    alive = (scores != float("-inf")).any(dim=-1, keepdim=True)  # (..., L, 1)
    scores = scores.masked_fill(~alive, 0.0)
    weights = torch.softmax(scores, dim=-1).masked_fill(~alive, 0.0)  # (..., L, S)
    return weights @ value, weights  # (..., L, Ev), (..., L, S)


def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """(B, T, D) -> (B, num_heads, T, D // num_heads): head h holds features
    h * d .. (h + 1) * d - 1 of every time step (d = D // num_heads), the layout
    nn.MultiheadAttention uses. x may be non-contiguous; it is not modified.
    Raises ValueError when D is not divisible by num_heads.
    """
    B, T, D = x.shape
    if D % num_heads != 0:
        raise ValueError(f"the feature size {D} is not divisible by num_heads={num_heads}")
    # split the feature axis first, THEN move heads in front of time
    return x.reshape(B, T, num_heads, D // num_heads).transpose(1, 2)  # (B, H, T, d)


def merge_heads(x: Tensor) -> Tensor:
    """(B, H, T, d) -> (B, T, H * d), the inverse of split_heads: feature h * d + i of time
    step t is x[:, h, t, i]. x may be non-contiguous; it is not modified.
    """
    B, H, T, d = x.shape
    return x.transpose(1, 2).reshape(B, T, H * d)  # (B, T, H * d)


class MultiHeadAttention(nn.Module):
    """Multi-head attention with the parameters and semantics of nn.MultiheadAttention.

    Parameters, by these names (the same as torch's, so load_state_dict of an
    nn.MultiheadAttention(embed_dim, num_heads) state_dict works, strict):
      in_proj_weight: Parameter (3 * E, E); rows 0..E-1 project the queries, E..2E-1 the
                      keys, 2E..3E-1 the values (E = embed_dim)
      in_proj_bias:   Parameter (3 * E,), split the same way
      out_proj:       nn.Linear(E, E), applied to the merged heads
    Initialised as torch does: in_proj_weight with nn.init.xavier_uniform_, in_proj_bias
    and out_proj.bias with zeros (out_proj.weight keeps nn.Linear's default).
    Raises ValueError when embed_dim is not divisible by num_heads. No dropout.
    """

    def __init__(self, embed_dim: int, num_heads: int, batch_first: bool = False) -> None:
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError(f"embed_dim={embed_dim} is not divisible by num_heads={num_heads}")
        self.embed_dim, self.num_heads, self.batch_first = embed_dim, num_heads, batch_first
        self.in_proj_weight = nn.Parameter(torch.empty(3 * embed_dim, embed_dim))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * embed_dim))
        self.out_proj = nn.Linear(embed_dim, embed_dim)
        nn.init.xavier_uniform_(self.in_proj_weight)
        nn.init.zeros_(self.out_proj.bias)

    def forward(
        self,
        query: Tensor,
        key: Tensor,
        value: Tensor,
        key_padding_mask: Tensor | None = None,
        attn_mask: Tensor | None = None,
        need_weights: bool = True,
        average_attn_weights: bool = True,
    ) -> tuple[Tensor, Tensor | None]:
        """Attend from query to key/value with num_heads heads.

        Shapes: batch_first=False: query (L, B, E), key and value (S, B, E); batch_first=True:
        query (B, L, E), key and value (B, S, E). The output has query's layout and shape.
        Each head h attends with features h * d .. (h + 1) * d - 1 of the projected queries,
        keys and values (d = E // num_heads, the layout of split_heads), its scores scaled
        by 1 / sqrt(d) (the head's size, not E); the heads' outputs are merged
        (merge_heads) and passed through out_proj.

        Masks follow nn.MultiheadAttention, where True means "IGNORE": the OPPOSITE of the
        bool attn_mask of scaled_dot_product_attention above, so invert them before passing
        them on.
          key_padding_mask: (B, S) bool, True = that key is padding and takes no part.
          attn_mask: (L, S), bool (True = query i may NOT see key j) or floating in query's
                     dtype (added to every head's scaled scores; -inf = may not see).
        A query that can see no key at all gets attention output 0, so its output row is
        exactly out_proj.bias, and weights 0 (torch's nn.MultiheadAttention gives NaN).

        Returns (output, weights). weights is None when need_weights is False; else it is
        batch first whatever batch_first says: (B, L, S), the mean over the heads, when
        average_attn_weights is True, and (B, num_heads, L, S) when it is False.
        The inputs and masks are not modified. Do not call F.scaled_dot_product_attention,
        F.multi_head_attention_forward or nn.MultiheadAttention: use the functions above.
        """
        if not self.batch_first:  # work batch first: (B, L, E)
            query, key, value = (t.transpose(0, 1) for t in (query, key, value))
        B, L, S = query.size(0), query.size(1), key.size(1)
        w_q, w_k, w_v = self.in_proj_weight.chunk(3)
        b_q, b_k, b_v = self.in_proj_bias.chunk(3)
        q = split_heads(F.linear(query, w_q, b_q), self.num_heads)  # (B, H, L, d)
        k = split_heads(F.linear(key, w_k, b_k), self.num_heads)  # (B, H, S, d)
        v = split_heads(F.linear(value, w_v, b_v), self.num_heads)  # (B, H, S, d)

        # one additive mask (0 or -inf, plus any float attn_mask) for all heads
        bias = torch.zeros(B, 1, L, S, dtype=query.dtype, device=query.device)
        if key_padding_mask is not None:  # True = padding: take no part
            bias = bias.masked_fill(key_padding_mask[:, None, None, :], float("-inf"))
        if attn_mask is not None:
            if attn_mask.dtype == torch.bool:  # True = not allowed (torch's MHA convention)
                bias = bias.masked_fill(attn_mask, float("-inf"))
            else:
                bias = bias + attn_mask
        out, weights = scaled_dot_product_attention(q, k, v, attn_mask=bias)  # (B, H, L, d)
        out = self.out_proj(merge_heads(out))  # (B, L, E)
        if not self.batch_first:
            out = out.transpose(0, 1)  # (L, B, E)
        if not need_weights:
            return out, None
        return out, weights.mean(dim=1) if average_attn_weights else weights
