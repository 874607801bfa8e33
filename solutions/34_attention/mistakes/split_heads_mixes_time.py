"""Mistake: split_heads as x.view(B, H, T, d), straight to the final shape.

The shape is right but the memory is read as if heads came before time: "head 0" holds
the first T/H time steps' features, mixing heads and time.
"""

CAUGHT_BY = "mixes heads and time"
REJECTED_BY = "test_split_heads_takes_feature_slices"


def split_heads(x, num_heads):
    B, T, D = x.shape
    if D % num_heads != 0:
        raise ValueError(f"{D} is not divisible by {num_heads}")
    return x.reshape(B, num_heads, T, D // num_heads)
