"""Kata 34: scaled dot-product attention and multi-head attention. See README.md."""

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
    # TODO: scores = query @ key^T * scale; apply the masks (bool False -> -inf, float added,
    # causal: tril); softmax over the keys; then rows with no key left must give 0, not NaN
    raise NotImplementedError("TODO: scaled_dot_product_attention(query, key, value, ...)")


def split_heads(x: Tensor, num_heads: int) -> Tensor:
    """(B, T, D) -> (B, num_heads, T, D // num_heads): head h holds features
    h * d .. (h + 1) * d - 1 of every time step (d = D // num_heads), the layout
    nn.MultiheadAttention uses. x may be non-contiguous; it is not modified.
    Raises ValueError when D is not divisible by num_heads.
    """
    # TODO: split the feature axis into (num_heads, d), then move the heads before time
    raise NotImplementedError("TODO: split_heads(x, num_heads)")


def merge_heads(x: Tensor) -> Tensor:
    """(B, H, T, d) -> (B, T, H * d), the inverse of split_heads: feature h * d + i of time
    step t is x[:, h, t, i]. x may be non-contiguous; it is not modified.
    """
    # TODO: undo split_heads: heads back after time, then join them into one feature axis
    raise NotImplementedError("TODO: merge_heads(x)")


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
        # TODO: check divisibility; in_proj_weight, in_proj_bias, out_proj as the docstring says
        raise NotImplementedError("TODO: MultiHeadAttention.__init__")

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
        # TODO: go batch first; project with the three chunks of in_proj_weight; split_heads;
        # turn both masks (True = ignore) into what scaled_dot_product_attention takes; attend;
        # merge_heads, out_proj; back to query's layout; weights averaged or per head
        raise NotImplementedError("TODO: MultiHeadAttention.forward")
