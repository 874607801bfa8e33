"""Mistake: attention_scores() scales the scores in place through .data.

The values come out right, but autograd never sees the division: the gradients reaching q
and k are those of the unscaled scores, sqrt(D) times too large.
"""

import math

import torch

CAUGHT_BY = "autograd never saw the division by sqrt(D)"
REJECTED_BY = "test_attention_scores_carry_gradients_to_q_and_k"


def attention_scores(q, k):
    scores = torch.einsum("bhtd,bhsd->bhts", q, k)
    scores.data /= math.sqrt(q.shape[-1])  # "no need to track a constant factor"
    return scores
