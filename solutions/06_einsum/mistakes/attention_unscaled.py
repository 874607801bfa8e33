"""Mistake: attention_scores() forgets the 1 / sqrt(D) scaling."""

import torch

CAUGHT_BY = "division by sqrt(D) is missing"


def attention_scores(q, k):
    return torch.einsum("bhtd,bhsd->bhts", q, k)
