"""Mistake: merge_heads as x.reshape(B, T, H * d), without moving the heads after time.

The inverse of split_heads must transpose back before joining the features; this mixes
heads and time.
"""

CAUGHT_BY = "mixes heads and time"
REJECTED_BY = "test_merge_heads_concatenates_the_heads"


def merge_heads(x):
    B, H, T, d = x.shape
    return x.reshape(B, T, H * d)
