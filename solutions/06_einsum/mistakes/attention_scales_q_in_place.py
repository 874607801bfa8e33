"""Mistake: attention_scores() scales the queries first with q /= sqrt(D).

Scaling q before the product is a fine idea, but /= on a tensor argument is in place: the
caller's q is divided too (and a q that requires grad makes it raise).
"""

import math

import torch

CAUGHT_BY = "changed the caller's q"
REJECTED_BY = "test_inputs_are_not_changed"


def attention_scores(q, k):
    q /= math.sqrt(q.shape[-1])
    return torch.einsum("bhtd,bhsd->bhts", q, k)
