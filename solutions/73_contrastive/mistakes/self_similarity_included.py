"""Mistake: the diagonal (each embedding with itself) left in the softmax.

Every anchor's largest logit is 1 / tau with itself: the denominator is dominated by a
term that carries no information, and the loss never reaches its true minimum.
"""

import torch
import torch.nn.functional as F

from torchkatas.harness import solution_for

CAUGHT_BY = "self-similarity is in the denominator"
REJECTED_BY = "test_nt_xent_equals_a_double_loop"

solution = solution_for(__file__)


def nt_xent(z1, z2, temperature):
    solution._check_pair(z1, z2, temperature, "z1 and z2")
    n = z1.shape[0]
    logits = solution.cosine_similarity_matrix(torch.cat([z1, z2])) / temperature
    positives = torch.cat([torch.arange(n, 2 * n), torch.arange(n)]).to(z1.device)
    return F.cross_entropy(logits, positives)
