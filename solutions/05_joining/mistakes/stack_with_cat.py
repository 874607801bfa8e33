"""Mistake: stack_samples() uses torch.cat, which joins along the existing first dimension.

B samples of (C, L) become one (B*C, L) tensor instead of a (B, C, L) batch.
"""

import torch

CAUGHT_BY = "torch.stack adds"
REJECTED_BY = "test_stack_samples_adds_a_batch_dimension"


def stack_samples(samples):
    if not samples:
        raise ValueError("empty")
    return torch.cat(samples, dim=0)
