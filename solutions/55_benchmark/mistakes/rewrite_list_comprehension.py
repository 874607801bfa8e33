"""Mistake: the loop "removed" by a list comprehension inside torch.stack.

A comprehension is the same Python loop: one slice, sum and division per row, and
torch.stack of an empty list raises on an empty batch.
"""

import torch

CAUGHT_BY = "a list comprehension"
REJECTED_BY = "test_rewrite_is_loop_free"


def masked_row_means(x, lengths):
    if x.dim() != 2 or lengths.shape != (x.shape[0],):
        raise ValueError("x must be (N, T) and lengths (N,)")
    if bool(((lengths < 0) | (lengths > x.shape[1])).any()):
        raise ValueError("lengths out of range")
    return torch.stack([x[i, :n].sum() / max(n, 1) for i, n in enumerate(lengths.tolist())])
